import Foundation
import Hummingbird
import HummingbirdAuth

/// The bearer token of `--token-file`: the file's content without surrounding white space, at
/// least 16 characters.
public enum BearerToken {
    public static func read(path: String) throws(ServeSetupError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw .tokenFile(path: path, message: "cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw .tokenFile(path: path, message: "is not UTF-8 text") }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16 else { throw .tokenFile(path: path, message: "holds \(token.count) characters; a token needs at least 16") }
        guard token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .tokenFile(path: path, message: "must be one line of printable ASCII without spaces (an HTTP header carries it)")
        }
        return token
    }
}

/// With a token (`--token-file`), every request but `GET /healthz` must carry
/// `Authorization: Bearer <token>`; otherwise it gets 401 and nothing else is read.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        guard let given = request.headers.bearer?.token, Self.equal(Array(given.utf8), token) else {
            throw ServeError.unauthorized()
        }
        return try await next(request, context)
    }

    /// Compares in time that depends on the lengths only, not on where the bytes differ.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for k in a.indices { difference |= a[k] ^ b[k] }
        return difference == 0
    }
}
