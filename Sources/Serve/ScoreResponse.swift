import Lab
import Support

/// The answer to `POST /v1/score`: the threshold and, per sample in the request's order, what
/// `fusionlab score` writes for it — score (probability), logit, decision at the threshold,
/// attribution per modality, the consistency surprises and failed checks with the explanation,
/// and the modalities it lacked. Numbers are printed in full round-trip precision: parsed back,
/// they are the very Doubles (and Floats, for surprises) `RunScorer` returned.
enum ScoreResponse {
    static func render(_ scores: [SampleScore], model: ModelSummary) -> String {
        let items: [JSONValue] = scores.map { s in
            var pairs: [(String, JSONValue)] = [
                ("sample_id", .string(s.sampleID)),
                ("score", .number(s.score)),
                ("logit", .number(s.logit)),
                ("predicted", .bool(s.predicted)),
            ]
            if !s.attribution.isEmpty {
                pairs.append(("attribution", .object(zip(model.attributionColumns, s.attribution).map { ($0, .number($1)) })))
            }
            if !model.surpriseColumns.isEmpty {
                pairs.append(("surprises", .object(zip(model.surpriseColumns, s.surprises).map { ($0, $1.map { .number(Double($0)) } ?? .null) })))
                pairs.append(("failed_checks", .array(s.failedChecks.map { c in
                    .object([("check", .string(c.check)), ("percentile", .number(c.percentile)), ("surprise", .number(Double(c.surprise)))])
                })))
                pairs.append(("explanation", .string(s.explanation)))
            }
            pairs.append(("missing_modalities", .array(s.missingModalities.map { .string($0.rawValue) })))
            return .object(pairs)
        }
        return CompactJSON.render(.object([("threshold", .number(model.threshold)), ("scores", .array(items))])) + "\n"
    }
}
