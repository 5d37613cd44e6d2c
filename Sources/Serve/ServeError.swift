import Hummingbird
import Support

/// Every answer the server gives that is not a score: a status and a JSON body
/// `{"error": {"status": …, "code": …, "message": …, "path": …}}`. The message says what to
/// change; it never carries a stack trace, a file path of the server or an internal type name.
public struct ServeError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable name (`invalid_json`, `unknown_id`, …; docs/serve-openapi.json).
    public var code: String
    public var message: String
    /// Where in the request body (`$.samples[2].user_id`), when the error is about a value.
    public var path: String?
    /// Seconds a client should wait before trying again (503).
    public var retryAfter: Int?
    /// The methods the path accepts (405).
    public var allow: String?
    /// 401: say which scheme (`WWW-Authenticate: Bearer`).
    public var wwwAuthenticate = false

    public init(_ status: HTTPResponse.Status, code: String, message: String, path: String? = nil) {
        self.status = status; self.code = code; self.message = message; self.path = path
    }

    public var description: String { "\(status.code) \(code)" + (path.map { " at \($0)" } ?? "") + ": \(message)" }

    /// Every `code` an answer may carry (docs/serve-openapi.json lists the same).
    public static let codes = ["invalid_json", "invalid_image", "invalid_utf8", "empty_body", "body_too_large", "unsupported_media_type", "unknown_id", "no_such_endpoint",
                               "method_not_allowed", "unauthorized", "bad_request", "overloaded", "shutting_down", "internal_error"]

    // MARK: the kinds

    /// The body is not JSON (syntax), or not the JSON the endpoint takes (`path`: where; `message`: the rule).
    static func invalidJSON(_ message: String, path: String? = nil) -> ServeError {
        ServeError(.badRequest, code: "invalid_json", message: message, path: path)
    }

    /// An inline image that is not base64, not a PNG or JPEG, broken, or too large.
    static func invalidImage(_ message: String, path: String) -> ServeError {
        ServeError(.badRequest, code: "invalid_image", message: message, path: path)
    }

    static func invalidUTF8(offset: Int) -> ServeError {
        ServeError(.badRequest, code: "invalid_utf8", message: "the body is not UTF-8: invalid byte sequence at byte \(offset)")
    }

    static func bodyTooLarge(limit: Int) -> ServeError {
        ServeError(.contentTooLarge, code: "body_too_large", message: "the body is larger than \(limit) bytes (the server's --max-body-bytes)")
    }

    static func emptyBody() -> ServeError { ServeError(.badRequest, code: "empty_body", message: "the body is empty; send a JSON object") }

    static func unsupportedMediaType(_ found: String?) -> ServeError {
        ServeError(.unsupportedMediaType, code: "unsupported_media_type",
                   message: "Content-Type must be application/json" + (found.map { ", got \"\(String($0.prefix(100)))\"" } ?? " (none given)"))
    }

    static func unknownID(field: String, id: String, path: String, policy: UnknownIDPolicy) -> ServeError {
        ServeError(.notFound, code: "unknown_id",
                   message: "\(field) \(JSONValue.quote(String(id.prefix(100)))) is not in the dataset this server loaded "
                       + "(the server's --unknown-ids is \(policy.rawValue); start it with --unknown-ids mask to score such samples with what is missing masked)",
                   path: path)
    }

    static func overloaded(queued: Int, limit: Int) -> ServeError {
        var e = ServeError(.serviceUnavailable, code: "overloaded",
                           message: "the server is at capacity (\(queued) samples queued, --queue-limit \(limit)); retry after the Retry-After seconds")
        e.retryAfter = 1
        return e
    }

    static func shuttingDown() -> ServeError {
        var e = ServeError(.serviceUnavailable, code: "shutting_down", message: "the server is shutting down; retry on another instance or later")
        e.retryAfter = 1
        return e
    }

    static func unauthorized() -> ServeError {
        var e = ServeError(.unauthorized, code: "unauthorized", message: "this server needs \"Authorization: Bearer <token>\" with the token of its --token-file")
        e.wwwAuthenticate = true
        return e
    }

    static func notFound(_ path: String) -> ServeError {
        ServeError(.notFound, code: "no_such_endpoint",
                   message: "no endpoint \(JSONValue.quote(String(path.prefix(100)))); the endpoints are POST /v1/score, GET /v1/model, GET /healthz, GET /metrics")
    }

    static func methodNotAllowed(_ method: String, path: String, allow: String) -> ServeError {
        var e = ServeError(.methodNotAllowed, code: "method_not_allowed", message: "\(path) takes \(allow), not \(String(method.prefix(20)))")
        e.allow = allow
        return e
    }

    /// A failure inside the server: the client learns only that, the log has the rest.
    static func internalError() -> ServeError {
        ServeError(.internalServerError, code: "internal_error", message: "the server could not score this request; its log says why")
    }

    // MARK: HTTPResponseError

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [(String, JSONValue)] = [("status", .number(Double(status.code))), ("code", .string(code)), ("message", .string(message))]
        if let path { error.append(("path", .string(path))) }
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let allow { headers[.allow] = allow }
        if wwwAuthenticate { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: CompactJSON.render(.object([("error", .object(error))])) + "\n")))
    }
}
