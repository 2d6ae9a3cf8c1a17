import ArgumentParser
import Backdoor
import Foundation
import IQAData

/// `--attack [KIND]`: a trigger family, or bare `--attack`: the run's own trigger.
enum AttackChoice: ExpressibleByArgument, Equatable, CustomStringConvertible {
    case runs
    case kind(AttackKind)

    init?(argument: String) {
        if argument == "run" { self = .runs; return }
        guard let kind = AttackKind(rawValue: argument) else { return nil }
        self = .kind(kind)
    }

    static var allValueStrings: [String] { AttackKind.allCases.map(\.rawValue) }
    var description: String { if case .kind(let k) = self { return k.rawValue }; return "run" }
}

/// Where BAIQA's (and FTrojan's) 64 coefficients sit in each 16×16 DCT block.
struct DCTPositionsOption: ParsableArguments {
    @Option(help: "DCT positions: official (the code's) or mid-band (the paper's wording) (default: official, or the run's).")
    var positions: DCTPositions?
}

/// `--alpha`: the trigger's strength.
struct AlphaOption: ParsableArguments {
    @Option(parsing: .signedNumber, help: "Trigger strength α (negative values lower the score).") var alpha: Double?

    func value(default fallback: Double) throws -> Double {
        let a = alpha ?? fallback
        guard a.isFinite else { throw ValidationError("--alpha must be finite") }
        return a
    }
}

/// One trigger, for every command that takes one: its family, BAIQA's file (or seeded random trigger),
/// the DCT positions and the baselines' parameters. Commands that read a run start from the run's own
/// trigger (`TriggerSpec` in its manifest) and apply only what is given here.
struct TriggerOptions: ParsableArguments {
    @Option(defaultAsFlag: AttackChoice.runs, parsing: .next,
            help: "Trigger family: baiqa, blended, wanet or ftrojan. Bare --attack: the run's own trigger (commands with --run).")
    var attack: AttackChoice? = nil

    @Option(help: "BAIQA trigger file (.pt holding a [3, 64] tensor, as torch.save writes it). Without one, BAIQA uses a seeded random trigger.")
    var trigger: String?

    @OptionGroup var dct: DCTPositionsOption
    @Option(help: "Design PSNR (dB) of the seeded random BAIQA trigger (default 30).") var triggerPsnr: Double?
    @Option(help: "Blended: blend ratio at α = 1 (default 0.1).") var blendRatio: Double?
    @Option(help: "WaNet: warp strength in pixels at α = 1 (default 0.84).") var wanetStrength: Double?
    @Option(help: "WaNet: control grid size (default 4).") var wanetGrid: Int?
    @Option(parsing: .signedNumber, help: "FTrojan: DCT coefficient magnitude (default 265).") var ftrojanMagnitude: Double?

    @Option(help: "FTrojan: channels carrying it: all (Y, Cb, Cr) or chroma (Cb, Cr, the original FTrojan's).")
    var ftrojanChannels: FTrojanTrigger.Channels?

    /// Whether anything beyond the family was given.
    var overridesParameters: Bool {
        dct.positions != nil || triggerPsnr != nil || blendRatio != nil || wanetStrength != nil || wanetGrid != nil
            || ftrojanMagnitude != nil || ftrojanChannels != nil
    }

    /// The trigger these options name, starting from `run` (a run's own trigger, named `runName` in
    /// errors) where they say so; nil when they name none (e.g. `evaluate` without a sweep).
    func spec(run: TriggerSpec?, runName: String? = nil) throws -> TriggerSpec? {
        var spec: TriggerSpec
        switch attack {
        case .runs?:
            guard let runName else { throw ValidationError("bare --attack means a run's own trigger: name one with --attack KIND") }
            guard let run else { throw ValidationError("\(runName): the run has no trigger; name one with --attack KIND or --trigger FILE") }
            spec = run
        case .kind(let kind)?:
            // The run's own family keeps the run's settings; another one starts from its defaults.
            spec = run?.attack == kind ? run! : TriggerSpec(attack: kind)
        case nil:
            // A trigger file is BAIQA's; parameters alone adjust the run's trigger (or BAIQA's defaults).
            if trigger != nil {
                spec = TriggerSpec(attack: .baiqa)
            } else if overridesParameters {
                spec = run ?? TriggerSpec(attack: .baiqa)
            } else {
                return nil
            }
        }
        if let trigger {
            guard spec.attack == .baiqa else { throw ValidationError("--trigger is a BAIQA trigger file; it does not go with --attack \(spec.attack.rawValue)") }
            let url = URL(fileURLWithPath: trigger)
            guard FileManager.default.fileExists(atPath: url.path) else { throw ValidationError("\(trigger): no such trigger file") }
            spec.file = url.standardizedFileURL.path
            spec.fileFingerprint = try Fingerprint.ofFile(url)
        }
        if let positions = dct.positions { spec.positions = positions }
        if let triggerPsnr {
            guard triggerPsnr.isFinite, triggerPsnr > 0 else { throw ValidationError("--trigger-psnr must be a positive number of dB") }
            guard trigger == nil else { throw ValidationError("--trigger-psnr sets a random trigger; it does not go with --trigger") }
            spec.randomPSNR = triggerPsnr
            spec.file = nil
            spec.fileFingerprint = nil
        }
        if let blendRatio {
            guard blendRatio.isFinite else { throw ValidationError("--blend-ratio must be finite") }
            spec.baselines.blendRatio = blendRatio
        }
        if let wanetStrength {
            guard wanetStrength.isFinite, wanetStrength >= 0 else { throw ValidationError("--wanet-strength must not be negative") }
            spec.baselines.wanetStrength = wanetStrength
        }
        if let wanetGrid {
            guard wanetGrid >= 2 else { throw ValidationError("--wanet-grid must be at least 2") }
            spec.baselines.wanetGrid = wanetGrid
        }
        if let ftrojanMagnitude {
            guard ftrojanMagnitude.isFinite else { throw ValidationError("--ftrojan-magnitude must be finite") }
            spec.baselines.ftrojanMagnitude = ftrojanMagnitude
        }
        if let ftrojanChannels { spec.baselines.ftrojanChannels = ftrojanChannels }
        return spec
    }
}

extension AttackKind: ExpressibleByArgument {}
extension DCTPositions: ExpressibleByArgument {}
extension FTrojanTrigger.Channels: ExpressibleByArgument {}
extension JPEGCodec.Subsampling: ExpressibleByArgument {}

extension UAPSearch.Method: ExpressibleByArgument {}
