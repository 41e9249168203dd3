package io.livehook.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;

/**
 * The few fields ingest needs from a verified body, read in one streaming pass without building a tree:
 * the event id (the dedupe key), the event type, and LiveKit's queue key — the egress id for egress events,
 * the ingress id for ingress events, otherwise the room name — which orders processing like LiveKit's
 * sender orders delivery. Keys may be camelCase or snake_case.
 */
public record EventHeader(String eventId, String eventType, String queueKey) {

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    /**
     * The body is not a LiveKit event we can file. {@code code} is a short bounded label (for metrics),
     * the message says what exactly is wrong.
     */
    public static final class Unreadable extends Exception {
        private final String code;

        Unreadable(String code, String reason) {
            super(reason, null, false, false);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    public static EventHeader read(byte[] body) throws Unreadable {
        String id = null;
        String event = null;
        String roomName = null;
        String egressId = null;
        String ingressId = null;
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new Unreadable("not_an_object", "body is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "id" -> id = text(parser, value);
                    case "event" -> event = text(parser, value);
                    case "room" -> roomName = nestedText(parser, value, "name", "name");
                    case "egressInfo", "egress_info" -> egressId = nestedText(parser, value, "egressId", "egress_id");
                    case "ingressInfo", "ingress_info" -> ingressId = nestedText(parser, value, "ingressId", "ingress_id");
                    default -> parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new Unreadable("invalid_json", "body has content after its JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new Unreadable("invalid_json", "body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Unreadable("invalid_json", "body could not be read: " + e.getMessage());
        }
        if (id == null || id.isBlank()) {
            throw new Unreadable("missing_id", "body has no \"id\"");
        }
        if (event == null || event.isBlank()) {
            throw new Unreadable("missing_event", "body has no \"event\"");
        }
        String queueKey = egressId != null ? egressId : ingressId != null ? ingressId : roomName;
        return new EventHeader(id, event, queueKey == null ? "" : queueKey);
    }

    private static String text(JsonParser parser, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        parser.skipChildren();
        return null;
    }

    private static String nestedText(JsonParser parser, JsonToken value, String camel, String snake)
            throws IOException {
        if (value != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return null;
        }
        String found = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken inner = parser.nextToken();
            if (field.equals(camel) || field.equals(snake)) {
                found = text(parser, inner);
            } else {
                parser.skipChildren();
            }
        }
        return found;
    }
}
