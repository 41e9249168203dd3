package io.livehook.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

/** A request's body as a JSON object, at most 1 MiB; anything else answers 400 saying what was expected. */
final class RequestBody {
    static final int MAX_BYTES = 1 << 20;

    private RequestBody() {}

    /** The body as an object (an empty body is an empty object); {@code usage} ends every refusal. */
    static JsonNode object(ServerRequest req, String usage) {
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException | RuntimeException e) {
            throw ApiException.badRequest("request body could not be read");
        }
        if (bytes.length > MAX_BYTES) {
            throw ApiException.badRequest("request body is larger than " + MAX_BYTES + " bytes");
        }
        JsonNode node;
        try {
            node = bytes.length == 0 ? ApiJson.object() : ApiJson.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw ApiException.badRequest("request body is not valid JSON: " + usage);
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object: " + usage);
        }
        return node;
    }

    /** The same, refusing fields other than {@code known}. */
    static JsonNode object(ServerRequest req, Set<String> known) {
        String usage = "known fields are " + String.join(", ", known.stream().sorted().toList());
        JsonNode node = object(req, usage);
        node.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw ApiException.badRequest("unknown field " + name + " (" + usage + ")");
            }
        });
        return node;
    }
}
