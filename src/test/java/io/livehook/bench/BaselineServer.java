package io.livehook.bench;

import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;

/**
 * The benchmark's baseline: the same Helidon SE WebServer livehook runs on, built the same way, answering
 * 200 to every POST /webhook after reading the body and doing nothing with it. Livehook's figures divided by
 * this one's isolate livehook's own work (verify, parse, durable append) from the HTTP stack's.
 *
 * <p>Not a test. Run as {@code java -cp target/livehook.jar:target/test-classes io.livehook.bench.BaselineServer PORT}.
 */
public final class BaselineServer {
    private BaselineServer() {}

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .shutdownHook(false)
                .routing(routing -> routing
                        .post("/webhook", (req, res) -> {
                            try (InputStream in = req.content().inputStream()) {
                                in.readAllBytes();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            res.send("appended\n");
                        })
                        .get("/readyz", (req, res) -> res.send("ready\n")))
                .build()
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            stopped.countDown();
        }));
        System.out.println("baseline listening on 127.0.0.1:" + server.port());
        stopped.await();
    }
}
