package io.livehook.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.helidon.http.Method;
import io.helidon.http.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * {@code GET /api/openapi.json}: the OpenAPI 3.1 description of the API, written by hand in
 * {@value #RESOURCE} and served as JSON. It is open to read without a token: it describes the endpoints and
 * holds no data, and tools (code generators, API browsers) fetch it before they have a token.
 */
public final class OpenApiDescription {
    public static final String PATH = "/openapi.json";
    static final String RESOURCE = "/openapi/livehook-api.yaml";

    private final byte[] json;

    public OpenApiDescription() {
        try (InputStream in = OpenApiDescription.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the API description is missing from the classpath: " + RESOURCE);
            }
            JsonNode description = new YAMLMapper().readTree(in);
            this.json = ApiJson.MAPPER.writeValueAsBytes(description);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the API description " + RESOURCE, e);
        }
    }

    List<ApiRoute> routes() {
        return List.of(new ApiRoute(Method.GET, PATH, (req, res) -> {
            new QueryParameters(req.query());
            ApiJson.sendBytes(res, Status.OK_200, json);
        }));
    }
}
