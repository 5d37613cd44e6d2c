/// A setting `fusionlab serve` cannot start with.
public enum ServeSetupError: Error, CustomStringConvertible, Equatable {
    case invalidOption(option: String, message: String)
    case tokenRequired(host: String)
    case tokenFile(path: String, message: String)
    case cannotBind(address: String, message: String)

    public var description: String {
        switch self {
        case let .invalidOption(option, message): "\(option) \(message)"
        case let .tokenRequired(host):
            "--host \(host) is not a loopback address: serving beyond this machine needs --token-file FILE (a bearer token every request must carry)"
        case let .tokenFile(path, message): "--token-file \(path): \(message)"
        case let .cannotBind(address, message): "cannot listen on \(address): \(message)"
        }
    }
}
