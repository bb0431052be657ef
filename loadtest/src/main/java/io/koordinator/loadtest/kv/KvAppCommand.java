package io.koordinator.loadtest.kv;

import io.koordinator.loadtest.LoadtestConfigKeys;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kv-app}: runs the sample key-value app until killed. */
@Command(
        name = "kv-app",
        mixinStandardHelpOptions = true,
        description = "Runs the sample replicated key-value app (plain HTTP) until killed.")
public final class KvAppCommand implements Callable<Integer> {
    @Option(
            names = "--port",
            required = true,
            description = "Port to listen on (0: any free port; the bound port is printed on stdout).")
    int port;

    @Option(
            names = "--host",
            defaultValue = LoadtestConfigKeys.KV_HOST_DEFAULT,
            description = "Address to bind, default ${DEFAULT-VALUE}.")
    String host;

    @Option(
            names = "--data-file",
            description = "Keep the state in this file, rewritten after every write, so it survives a"
                    + " restart (a durable app); default: in memory only.")
    java.nio.file.Path dataFile;

    @Option(
            names = "--position-aware",
            description = "Record the last X-Koordinator-Position applied with its answer (needs"
                    + " --data-file), and answer a redelivered position as the first time.")
    boolean positionAware;

    @Override
    public Integer call() throws Exception {
        KvApp app = new KvApp(host, port, dataFile, positionAware);
        app.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            app.close();
                            stopped.countDown();
                        },
                        "kv-app-shutdown"));
        System.out.println("kv-app listening on " + host + ":" + app.port());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
