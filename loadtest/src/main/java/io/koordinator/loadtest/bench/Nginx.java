package io.koordinator.loadtest.bench;

import io.koordinator.Directories;
import io.koordinator.loadtest.cluster.ChildProcess;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * nginx as a plain reverse proxy in front of one app, the yardstick of the proxy's pass-through
 * path: one worker per core, keep-alive to the app (a pool of upstream connections), no access
 * log. Everything it writes goes to a temporary directory that {@link #close()} deletes.
 */
final class Nginx implements AutoCloseable {
    private final Path dir;
    private final ChildProcess process;
    private final int port;

    private Nginx(Path dir, ChildProcess process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    static boolean available() {
        return onPath("nginx");
    }

    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    /** Starts nginx on {@code port}, proxying to {@code 127.0.0.1:appPort}, and waits until it listens. */
    static Nginx start(int port, int appPort) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("koordinator-bench-nginx");
        String conf = String.join(
                "\n",
                "daemon off;",
                "worker_processes auto;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("error.log") + " warn;",
                "events { worker_connections 1024; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + dir.resolve("body") + ";",
                "  proxy_temp_path " + dir.resolve("proxy") + ";",
                "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
                "  uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
                "  scgi_temp_path " + dir.resolve("scgi") + ";",
                "  upstream app { server 127.0.0.1:" + appPort + "; keepalive 64; }",
                "  server {",
                "    listen 127.0.0.1:" + port + ";",
                "    location / {",
                "      proxy_pass http://app;",
                "      proxy_http_version 1.1;",
                "      proxy_set_header Connection \"\";",
                "    }",
                "  }",
                "}",
                "");
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        String binary = Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
        ChildProcess p = ChildProcess.start("nginx", List.of(binary, "-p", dir.toString(), "-c", file.toString()));
        Nginx nginx = new Nginx(dir, p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                nginx.close();
                throw new IOException("nginx exited: " + p.stderrTail());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return nginx;
            } catch (IOException e) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
        nginx.close();
        throw new IOException("nginx did not listen on " + port + " within 20s");
    }

    int port() {
        return port;
    }

    /** Stops nginx and deletes its directory. Never throws. */
    @Override
    public void close() {
        process.close();
        Directories.deleteTree(dir); // what is left is a temporary directory
    }
}
