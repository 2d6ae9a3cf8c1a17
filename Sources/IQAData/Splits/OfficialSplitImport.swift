import Foundation
import TorchPickle

/// Turns the BAIQA authors' index files into a `DatasetSplit` by name.
///
/// LIVEC: `CLIVE_traintest_index.pkl` (a pickled list, a permutation of the dataset indices, i.e.
/// .mat entry − 7; the first round(0.8·N) are train) and `partial_index_p0.2.npy` (positions into
/// that train list: the poisoned subset). KonIQ-10k: a pickled list of train indices into the CSV
/// order (test = every other index, ascending) and the same kind of .npy file. Import against the
/// *full* dataset's name list, in its official order (`LIVECDataset.imageNames()`, the CSV order).
public enum OfficialSplitImport {
    /// A pickled Python list (or tuple) of ints, as the official scripts save their indices.
    public static func readIndexList(pickle url: URL) throws -> [Int] {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetError(file: path, "pickle file does not exist") }
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw DatasetError(file: path, "cannot read: \(AtomicFile.reason(error))")
        }
        if bytes.isEmpty { throw DatasetError(file: path, "empty file (0 bytes)") }
        let value: PickleValue
        do {
            value = try Unpickler.load(bytes, source: url.lastPathComponent)
        } catch let error as TorchFileError {
            throw DatasetError(file: path, error.message)
        }
        guard let items = value.arrayValue else {
            throw DatasetError(file: path, "holds \(value.kindName), expected a list of ints")
        }
        return try items.enumerated().map { k, item in
            guard let v = item.intValue, let i = Int(exactly: v) else {
                throw DatasetError(file: path, "entry \(k) is \(item.kindName), expected an int")
            }
            return i
        }
    }

    /// An integer .npy array of any shape, flattened (C order).
    public static func readIndexArray(npy url: URL) throws -> [Int] {
        try NPYArray.read(url).intValues(source: url.path)
    }

    /// LIVEC's official split: `names` are the dataset's images in index order (t1–t7 skipped).
    public static func livec(names: [String], traintestIndex: URL, partialIndex: URL? = nil,
                             trainFraction: Double = 0.8) throws -> DatasetSplit {
        let permutation = try readIndexList(pickle: traintestIndex)
        let positions = try partialIndex.map { try readIndexArray(npy: $0) }
        let trainCount = DatasetSplit.pythonRound(trainFraction * Double(permutation.count))
        return try DatasetSplit.fromPermutation(permutation, names: names, trainCount: trainCount,
                                                poisonedPositions: positions, source: traintestIndex.path,
                                                positionsSource: partialIndex?.path)
    }

    /// KonIQ-10k's split from the official script's train-index pickle; `names` in CSV order.
    public static func konIQ(names: [String], trainIndex: URL, partialIndex: URL? = nil) throws -> DatasetSplit {
        let indices = try readIndexList(pickle: trainIndex)
        let positions = try partialIndex.map { try readIndexArray(npy: $0) }
        return try DatasetSplit.fromTrainIndices(indices, names: names, poisonedPositions: positions,
                                                 source: trainIndex.path, positionsSource: partialIndex?.path)
    }
}
