import Foundation
import IQAData

/// An attack suite as a DAG of content-addressed steps: what each step computes, from which inputs (its
/// key) and after which other steps. Every key is known before anything runs — a step's inputs name the
/// steps it reads by their keys, never by their outputs — so the whole plan can be printed, handed to
/// an executor (serial, local processes, Slurm jobs) and checked against the store at any time.
public struct SuitePlan {
    public struct Step {
        /// The step's role in the suite: clean, surrogate, trigger, pgd, response-<attack>,
        /// victim-<P|C>-<attack>, defence-<kind>-<P|C>-<attack>. A step with several roles (the clean
        /// model doubling as the surrogate) is one step, named by its first.
        public var id: String
        public var roles: [String]
        public var kind: String
        public var key: String
        /// Folder names (`<kind>-<key>`) of the steps this one reads.
        public var dependencies: [String]
        public var describe: String
        let inputs: StepInputs
        let compute: (URL) throws -> Void
        public var folder: String { "\(kind)-\(key)" }
    }

    /// In dependency order: every step comes after the steps it reads.
    public private(set) var steps: [Step] = []

    public init() {}

    /// Adds a step, or a role to the identical step already planned; returns the step's folder name.
    @discardableResult
    mutating func add<Inputs: Encodable>(id: String, kind: String, inputs: Inputs, after dependencies: [String], describe: String,
                                         compute: @escaping (URL) throws -> Void) throws -> String {
        let key = try StepStore.key(inputs)
        let folder = "\(kind)-\(key)"
        if let k = steps.firstIndex(where: { $0.folder == folder }) {
            steps[k].roles.append(id)
            return folder
        }
        for d in dependencies where !steps.contains(where: { $0.folder == d }) {
            preconditionFailure("step \(id) planned before its dependency \(d)")
        }
        steps.append(Step(id: id, roles: [id], kind: kind, key: key, dependencies: dependencies, describe: describe,
                          inputs: StepInputs(inputs), compute: compute))
        return folder
    }

    /// Adds `other`'s steps that this plan lacks, and its roles to the steps both have (a sweep's members).
    mutating func merge(_ other: SuitePlan) {
        for step in other.steps {
            if let k = steps.firstIndex(where: { $0.folder == step.folder }) {
                for role in step.roles where !steps[k].roles.contains(role) { steps[k].roles.append(role) }
            } else {
                steps.append(step)
            }
        }
    }

    public func step(folder: String) -> Step? { steps.first { $0.folder == folder } }
    public func step(role: String) -> Step? { steps.first { $0.roles.contains(role) } }

    /// Every step that reads `folder`, directly or through others.
    public func dependents(of folder: String) -> [String] {
        var found: [String] = []
        var frontier = [folder]
        while let f = frontier.popLast() {
            for s in steps where s.dependencies.contains(f) && !found.contains(s.folder) {
                found.append(s.folder)
                frontier.append(s.folder)
            }
        }
        return steps.map(\.folder).filter(found.contains)
    }
}

/// A step's inputs without their type, for plans that hold steps of every kind. Encodes exactly as the
/// value itself, so keys are those of the typed inputs.
struct StepInputs: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

/// Where a store's step stands.
public enum StepState: String, Codable, Sendable {
    /// Finished (`step.json` is there).
    case done
    /// Being computed by a live process (its lock is held).
    case running
    /// Started and stopped: the `.partial` folder resumes.
    case partial
    /// Not started.
    case missing
}

extension StepStore {
    /// The state of the step in `folder` (a name `<kind>-<key>`).
    public func state(of folder: String) -> StepState {
        let fm = FileManager.default
        if fm.fileExists(atPath: root.appendingPathComponent(folder).appendingPathComponent("step.json").path) { return .done }
        if ExclusiveLock.isHeld(root.appendingPathComponent(".locks/\(folder).lock")) { return .running }
        if fm.fileExists(atPath: root.appendingPathComponent("\(folder).partial").path) { return .partial }
        return .missing
    }
}
