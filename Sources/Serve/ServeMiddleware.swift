import Foundation
import Hummingbird
import Logging

/// The outermost layer of every request: whatever went wrong below becomes a `ServeError`
/// answer (JSON, no internals: an unexpected error is logged and answered 500 without detail),
/// a path that exists but not for the method becomes 405, and every answer is counted and
/// timed in the metrics.
struct ServeMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServeMetrics
    let logger: Logger
    let limits: RequestLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let answer = serveError(error, request: request)
            response = try answer.response(from: request, context: context)
        }
        metrics.record(route: ServeMetrics.route(path), method: request.method.rawValue, status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }

    func serveError(_ error: any Error, request: Request) -> ServeError {
        if let error = error as? ServeError { return error }
        if let error = error as? any HTTPResponseError {
            switch error.status {
            case .notFound:
                if let allow = ScoreServer.endpoints[request.uri.path] {
                    return .methodNotAllowed(request.method.rawValue, path: request.uri.path, allow: allow)
                }
                return .notFound(request.uri.path)
            case .contentTooLarge: return .bodyTooLarge(limit: limits.maxBodyBytes)
            case .methodNotAllowed:
                return .methodNotAllowed(request.method.rawValue, path: request.uri.path, allow: ScoreServer.endpoints[request.uri.path] ?? "GET")
            default:
                if (400..<500).contains(error.status.code) {
                    return ServeError(error.status, code: "bad_request", message: "the request was refused (\(error.status.code) \(error.status.reasonPhrase))")
                }
            }
        }
        logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
        return .internalError()
    }
}
