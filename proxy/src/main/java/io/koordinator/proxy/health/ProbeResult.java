package io.koordinator.proxy.health;

/**
 * What one run of a probe found.
 *
 * @param healthy whether the kubelet would count it as a success
 * @param detail what was seen ("HTTP 200", "connection refused", "NOT_SERVING"), for the answer's body
 */
public record ProbeResult(boolean healthy, String detail) {

    static ProbeResult healthy(String detail) {
        return new ProbeResult(true, detail);
    }

    static ProbeResult failed(String detail) {
        return new ProbeResult(false, detail);
    }
}
