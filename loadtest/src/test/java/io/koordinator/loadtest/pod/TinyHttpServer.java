package io.koordinator.loadtest.pod;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * A stand-in listener for the capture tests: {@code TinyHttpServer 8080=app 16001=proxy ...} answers every
 * request on each port with that port's word, so a client sees which listener served it. Runs inside a pod's
 * namespace as a child process, until killed.
 */
public final class TinyHttpServer {

    private TinyHttpServer() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        for (String arg : args) {
            String[] portAndWord = arg.split("=", 2);
            byte[] word = portAndWord[1].getBytes(StandardCharsets.UTF_8);
            HttpServer server = HttpServer.create(new InetSocketAddress(Integer.parseInt(portAndWord[0])), 50);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(200, word.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(word);
                }
            });
            server.start();
        }
        System.out.println("listening: " + String.join(" ", args));
        new CountDownLatch(1).await();
    }
}
