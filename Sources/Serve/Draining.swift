import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// How a connection ends when the server shuts down gracefully (it has stopped accepting
/// connections by then): the answer to a request in flight says `Connection: close` and the
/// connection closes after it; an idle keep-alive connection stays open for `grace` — a client
/// may have written its next request already — and a request arriving in that time is answered
/// the same way. So a keep-alive client never writes a request into a connection the server
/// closes (which the client would count as a failed request). Sits in front of Hummingbird's
/// connection-state handler, which would close idle connections at once.
final class DrainingHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let grace: TimeAmount
    /// Requests whose head was read and whose answer has not ended.
    private var inProgress = 0
    private var draining = false
    private var idleClose: Scheduled<Void>?

    init(grace: TimeAmount) { self.grace = grace }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            inProgress += 1
            idleClose?.cancel()
            idleClose = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case var .head(response) where draining:
            response.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .end:
            inProgress -= 1
            guard draining, inProgress == 0 else { context.write(data, promise: promise); return }
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(data).flatMap { loopBound.value.close() }.cascade(to: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else { context.fireUserInboundEventTriggered(event); return }
        draining = true
        if inProgress == 0 {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            idleClose = context.eventLoop.scheduleTask(in: grace) { loopBound.value.close(promise: nil) }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleClose?.cancel()
        idleClose = nil
    }
}
