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
    /// The padded batch's row (`b·L + l`) of each packed row.
    let rows: [Int]
    let offsets: [Int]

    /// From a key padding mask `[B, L]` (nonzero = padded); nil when nothing is padded (nothing to skip)
    /// or a sequence has a gap (padding before a valid position).
    init?(keyPaddingMask mask: Tensor) {
        precondition(mask.rank == 2, "key padding mask \(mask.shape), expected [B, L]")
        (batch, length) = (mask.shape[0], mask.shape[1])
        let m = mask.pointer
        var rows: [Int] = [], offsets = [0]
        rows.reserveCapacity(batch * length)
        for b in 0..<batch {
            let row = m + b * length
            let n = (0..<length).first { row[$0] != 0 } ?? length
            guard !(n..<length).contains(where: { row[$0] == 0 }) else { return nil }
            rows.append(contentsOf: (b * length)..<(b * length + n))
            offsets.append(rows.count)
        }
        guard rows.count < batch * length else { return nil }
        self.rows = rows
        self.offsets = offsets
    }

    /// `[T, D]`: the valid rows of `x` `[B, L, D]`.
    func gather(_ x: Tensor) -> Tensor {
        precondition(x.rank == 3 && x.shape[0] == batch && x.shape[1] == length, "packing \(x.shape) with a mask of [\(batch), \(length)]")
        let d = x.shape[2], out = Tensor(uninitializedShape: [rows.count, d])
        let src = x.pointer, dst = out.pointer
        for (i, r) in rows.enumerated() { (dst + i * d).update(from: src + r * d, count: d) }
        return out
    }

    /// `[B, L, D]` with the packed rows `h` `[T, D]` in their places and 0 at the padded ones.
    func scatter(_ h: Tensor) -> Tensor {
        precondition(h.rank == 2 && h.shape[0] == rows.count, "unpacking \(h.shape) into \(rows.count) rows")
        let d = h.shape[1], out = Tensor(zeros: [batch, length, d])
        let src = h.pointer, dst = out.pointer
        for (i, r) in rows.enumerated() { (dst + r * d).update(from: src + i * d, count: d) }
        return out
    }
}
