package io.koordinator.proxy;

import java.util.List;

/**
 * The JVM options a proxy runs with: the injector puts them in the proxy container's {@code
 * JAVA_TOOL_OPTIONS}, and the benchmarks start their proxies with the same ones, so the memory the
 * benchmarks report is the memory a pod's proxy uses (docs/inject.md, docs/benchmarks.md).
 */
public final class ProxyJvmOptions {
    /**
     * Whatever the container's size: the serial collector (one or two cores per sidecar; its young
     * pauses were 2-4 ms on a quiet machine), an exit on the first {@code OutOfMemoryError}, so the
     * kubelet restarts the proxy and it recovers instead of serving on a broken heap, and the C
     * heap trimmed every 5 s. The last gives back what the JIT compilers' arenas and other
     * short-lived native allocations leave in the C allocator: 23 MiB of a warm proxy's RSS,
     * measured with {@code jcmd System.trim_native_heap}. It is an experimental option in Java 17 updates
     * (17.0.15, tested here, has it) and a product option in later releases; unlocking is harmless
     * where it is not needed.
     */
    public static final List<String> RUNTIME = List.of(
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:+UnlockExperimentalVMOptions",
            "-XX:TrimNativeHeapInterval=5000");

    /**
     * The heap as a share of the container's memory limit: a quarter, what the JVM's ergonomics
     * pick under 1,792 MiB, stated so that a node's CPU count cannot change it.
     */
    public static final String HEAP_OF_LIMIT = "-XX:MaxRAMPercentage=25";

    /**
     * The heap {@link #HEAP_OF_LIMIT} gives under the injector's default limit of 512 MiB (initial
     * 1/64 of the limit, the JVM's default), for a proxy started outside a container.
     */
    public static final List<String> HEAP_AT_DEFAULT_LIMIT = List.of("-Xms8m", "-Xmx128m");

    private ProxyJvmOptions() {}
}
