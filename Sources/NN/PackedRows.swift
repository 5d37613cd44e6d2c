import Tensor

/// The valid positions of a padded `[B, L, …]` batch packed end to end, for inference that skips
/// the padding (`TransformerEncoder`): sequence b's valid positions, in order, are packed rows
/// `offsets[b]..<offsets[b + 1]`.
///
/// Only padding after each sequence is packed (how batches are built): a key keeps its position
/// then, and with it its lane in the softmax's 8-lane sum, so the packed rows keep their bits. A
/// gap inside a sequence would move the keys after it to other lanes.
struct PackedRows {
    let batch: Int, length: Int
    /// Sequence b's valid positions `0..<(offsets[b + 1] − offsets[b])` are packed rows `offsets[b]..<offsets[b + 1]`.
    let offsets: [Int]

    /// From a key padding mask `[B, L]` (nonzero = padded); nil when nothing is padded (nothing to skip)
    /// or a sequence has a gap (padding before a valid position).
    init?(keyPaddingMask mask: Tensor) {
        precondition(mask.rank == 2, "key padding mask \(mask.shape), expected [B, L]")
        (batch, length) = (mask.shape[0], mask.shape[1])
        let m = mask.pointer
        var offsets = [0]
        for b in 0..<batch {
            let row = m + b * length
            let n = (0..<length).first { row[$0] != 0 } ?? length
            guard !(n..<length).contains(where: { row[$0] == 0 }) else { return nil }
            offsets.append(offsets[b] + n)
        }
        guard offsets[batch] < batch * length else { return nil }
        self.offsets = offsets
    }

    /// `[T, D]`: the valid rows of `x` `[B, L, D]`, each sequence's one run.
    func gather(_ x: Tensor) -> Tensor {
        precondition(x.rank == 3 && x.shape[0] == batch && x.shape[1] == length, "packing \(x.shape) with a mask of [\(batch), \(length)]")
        let d = x.shape[2], out = Tensor(uninitializedShape: [offsets[batch], d])
        for b in 0..<batch { (out.pointer + offsets[b] * d).update(from: x.pointer + b * length * d, count: (offsets[b + 1] - offsets[b]) * d) }
        return out
    }

    /// `[B, L, D]` with the packed rows `h` `[T, D]` in their places and 0 at the padded ones.
    func scatter(_ h: Tensor) -> Tensor {
        precondition(h.rank == 2 && h.shape[0] == offsets[batch], "unpacking \(h.shape) into \(offsets[batch]) rows")
        let d = h.shape[1], out = Tensor(zeros: [batch, length, d])
        for b in 0..<batch { (out.pointer + b * length * d).update(from: h.pointer + offsets[b] * d, count: (offsets[b + 1] - offsets[b]) * d) }
        return out
    }
}
