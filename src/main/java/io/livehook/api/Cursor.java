package io.livehook.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.util.Base64;

/**
 * Opaque page cursors: a list's name and the key of the last item returned, as a JSON array in URL-safe
 * Base64. Callers pass {@code next_cursor} back unchanged; a cursor of another list is refused.
 */
final class Cursor {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Cursor() {}

    static String encode(String list, Object... key) {
        ArrayNode array = JSON.createArrayNode().add(list);
        for (Object part : key) {
            if (part instanceof Long l) {
                array.add(l);
            } else if (part instanceof Integer i) {
                array.add(i);
            } else {
                array.add((String) part);
            }
        }
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(array));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key parts of a cursor of {@code list}; 400 if it is not one. Types: 'l' long, 'i' int, 's' text. */
    static JsonNode[] decode(String cursor, String list, String types) {
        JsonNode node;
        try {
            node = JSON.readTree(Base64.getUrlDecoder().decode(cursor));
        } catch (IllegalArgumentException | IOException e) {
            throw invalid();
        }
        if (node == null || !node.isArray() || node.size() != types.length() + 1
                || !list.equals(node.get(0).textValue())) {
            throw invalid();
        }
        JsonNode[] parts = new JsonNode[types.length()];
        for (int i = 0; i < types.length(); i++) {
            JsonNode part = node.get(i + 1);
            boolean ok = switch (types.charAt(i)) {
                case 'l' -> part.isIntegralNumber() && part.canConvertToLong();
                case 'i' -> part.isIntegralNumber() && part.canConvertToInt();
                default -> part.isTextual();
            };
            if (!ok) {
                throw invalid();
            }
            parts[i] = part;
        }
        return parts;
    }

    private static ApiException invalid() {
        return ApiException.badRequest("invalid cursor: pass next_cursor from the previous page of this list unchanged");
    }
}
