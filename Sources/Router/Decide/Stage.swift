/// The stages of the router pipeline, in order. The names are those of the `pipelineStage`
/// definition in Schemas/common/types.schema.json and appear in dead-letter headers.
public enum Stage: String, Sendable, Hashable, CaseIterable, Codable {
    case decode, authenticate, validate, dedupe, transform, route, deliver
}
