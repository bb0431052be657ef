/**
 * The app's own probes, run by the proxy. The injector rewrites the kubelet's {@code httpGet}, {@code grpc} and
 * {@code tcpSocket} probes on the app port to {@code GET /app-health/<container>/livez|readyz|startupz} on the admin
 * port, and hands the originals over in {@code KOORD_APP_PROBERS} ({@link io.koordinator.proxy.health.AppProbe#parseAll}).
 * {@link io.koordinator.proxy.health.AppHealth} serves those paths by running the original probe against the app on
 * loopback, directly: never through the ordered path, never waiting for ZooKeeper, and with the kubelet's rules
 * (HTTPS without verifying the certificate, 200-399 is success, a gRPC health check must answer SERVING, a TCP probe
 * only connects).
 *
 * <h2>Threading</h2>
 *
 * <ul>
 *   <li>Everything runs on the event loop of the admin connection that asked: the probe's own channel is registered
 *       on that loop, its timeout is scheduled there, and the answer is written from there. Nothing is shared between
 *       connections except the immutable probe table and the client TLS context (thread-safe).
 *   <li>Nothing blocks: connects, TLS handshakes and reads are asynchronous; a probe that does not finish within its
 *       {@code timeoutSeconds} fails and its channel is closed.
 * </ul>
 */
package io.koordinator.proxy.health;
