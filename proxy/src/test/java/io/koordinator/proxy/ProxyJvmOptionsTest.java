package io.koordinator.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ProxyJvmOptionsTest {
    /**
     * This JVM accepts every option (an unknown one would stop the proxy from starting), and under
     * a 512 MiB limit the share of the limit gives the heap the benchmarks start their proxies with.
     */
    @Test
    void theOptionsStartAJvmAndTheHeapAtTheDefaultLimitIsTheShareOfIt() throws Exception {
        List<String> injected = new ArrayList<>(ProxyJvmOptions.RUNTIME);
        injected.addAll(List.of("-XX:MaxRAM=512m", ProxyJvmOptions.HEAP_OF_LIMIT));
        Map<String, String> underLimit = finalFlags(injected);
        Map<String, String> stated = finalFlags(ProxyJvmOptions.HEAP_AT_DEFAULT_LIMIT);

        assertThat(underLimit).containsEntry("UseSerialGC", "true").containsEntry("TrimNativeHeapInterval", "5000");
        assertThat(underLimit.get("MaxHeapSize")).isEqualTo("" + (128 << 20)).isEqualTo(stated.get("MaxHeapSize"));
        assertThat(underLimit.get("InitialHeapSize")).isEqualTo(stated.get("InitialHeapSize"));
    }

    private static Map<String, String> finalFlags(List<String> options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        // lines such as "   size_t MaxHeapSize   = 134217728   {product} {ergonomic}"
        return out.lines()
                .map(String::trim)
                .filter(l -> l.contains(" = ") && l.endsWith("}"))
                .map(l -> l.split("\\s+"))
                .filter(f -> f.length >= 4)
                .collect(Collectors.toMap(f -> f[1], f -> f[3], (a, b) -> a));
    }
}
