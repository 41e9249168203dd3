package io.livehook.process;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.livehook.log.LoggedEvent;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import livekit.LivekitWebhook.WebhookEvent;

/**
 * What an event must hold before its rules apply: what LiveKit always sends with its type (WEBHOOKS.md §4),
 * and numbers that fit their fields. A signed event that breaks a rule is dead-lettered with the field's path
 * and the rule, instead of becoming state with empty strings (a session with no sid, counted among the
 * participants) or failing later with a parser's message. Event types livehook does not know have no
 * required fields; their numbers are checked like any other's.
 */
final class EventValidation {
    /** Decimals exactly, so that a number too large for a double is seen as such, not as infinity. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger UINT32_MAX = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);
    private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** No integer field holds more than 20 digits: anything longer is too large whatever it says. */
    private static final int MOST_DIGITS = 20;

    private static final List<String> ROOM = List.of("room.name");
    private static final List<String> PARTICIPANT = List.of("room.name", "participant.sid", "participant.identity");
    private static final List<String> TRACK = List.of("room.name", "participant.sid", "track.sid");
    private static final List<String> EGRESS = List.of("egressInfo.egressId");
    private static final List<String> INGRESS = List.of("ingressInfo.ingressId");
    private static final Map<String, List<String>> REQUIRED = Map.ofEntries(
            Map.entry("room_started", ROOM), Map.entry("room_finished", ROOM),
            Map.entry("participant_joined", PARTICIPANT), Map.entry("participant_left", PARTICIPANT),
            Map.entry("participant_connection_aborted", PARTICIPANT),
            Map.entry("track_published", TRACK), Map.entry("track_unpublished", TRACK),
            Map.entry("egress_started", EGRESS), Map.entry("egress_updated", EGRESS), Map.entry("egress_ended", EGRESS),
            Map.entry("ingress_started", INGRESS), Map.entry("ingress_ended", INGRESS));

    private EventValidation() {}

    /** A rule the event breaks: the message names the field's path and the rule. */
    static final class InvalidEvent extends Exception {
        InvalidEvent(String message) {
            super(message, null, false, false);
        }
    }

    static void check(LoggedEvent event) throws InvalidEvent {
        JsonNode body;
        try {
            body = JSON.readTree(event.body());
        } catch (IOException e) {
            throw new InvalidEvent("the body is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            throw new InvalidEvent("the body is not a JSON object");
        }
        numbers(body, WebhookEvent.getDescriptor(), "");
        for (String path : REQUIRED.getOrDefault(event.eventType(), List.of())) {
            JsonNode value = at(body, path);
            if (value == null || value.isNull() || (value.isTextual() && value.asText().isEmpty())) {
                throw new InvalidEvent(path + " is missing or empty: LiveKit always sends it with " + event.eventType());
            }
            if (!value.isTextual()) {
                throw new InvalidEvent(path + " must be a string, got "
                        + value.getNodeType().name().toLowerCase(Locale.ROOT));
            }
        }
    }

    /** The value at a dotted lowerCamelCase path, each step also found by its snake_case name; null if absent. */
    private static JsonNode at(JsonNode body, String path) {
        JsonNode node = body;
        for (String step : path.split("\\.")) {
            if (node == null || !node.isObject()) {
                return null;
            }
            JsonNode next = node.get(step);
            node = next != null ? next : node.get(snake(step));
        }
        return node;
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** Every integer and floating-point field the schema knows, at any depth, must hold a number that fits it. */
    private static void numbers(JsonNode object, Descriptor type, String path) throws InvalidEvent {
        for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            FieldDescriptor descriptor = field(type, field.getKey());
            JsonNode value = field.getValue();
            if (descriptor == null || value.isNull()) {
                continue; // unknown fields are ignored, as the parser ignores them
            }
            String at = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            if (descriptor.isMapField()) {
                FieldDescriptor mapValue = descriptor.getMessageType().findFieldByName("value");
                for (Iterator<Map.Entry<String, JsonNode>> entries = value.fields(); entries.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = entries.next();
                    one(entry.getValue(), mapValue, at + "." + entry.getKey());
                }
            } else if (descriptor.isRepeated() && value.isArray()) {
                for (int i = 0; i < value.size(); i++) {
                    one(value.get(i), descriptor, at + "[" + i + "]");
                }
            } else {
                one(value, descriptor, at);
            }
        }
    }

    private static FieldDescriptor field(Descriptor type, String name) {
        for (FieldDescriptor field : type.getFields()) {
            if (field.getJsonName().equals(name) || field.getName().equals(name)) {
                return field;
            }
        }
        return null;
    }

    private static void one(JsonNode value, FieldDescriptor field, String at) throws InvalidEvent {
        switch (field.getJavaType()) {
            case MESSAGE -> {
                if (value.isObject() && !field.getMessageType().getFullName().startsWith("google.protobuf.")) {
                    numbers(value, field.getMessageType(), at);
                }
            }
            case INT -> fits(value, at, unsigned(field) ? BigInteger.ZERO : INT32_MIN,
                    unsigned(field) ? UINT32_MAX : INT32_MAX, unsigned(field) ? "uint32" : "int32");
            case LONG -> fits(value, at, unsigned(field) ? BigInteger.ZERO : INT64_MIN,
                    unsigned(field) ? UINT64_MAX : INT64_MAX, unsigned(field) ? "uint64" : "int64");
            case FLOAT, DOUBLE -> finite(value, at, field.getJavaType() == FieldDescriptor.JavaType.FLOAT);
            default -> { } // strings, booleans, bytes and enums: the parser's own rules
        }
    }

    private static boolean unsigned(FieldDescriptor field) {
        return switch (field.getType()) {
            case UINT32, FIXED32, UINT64, FIXED64 -> true;
            default -> false;
        };
    }

    /** An integer field holds a JSON number or a string of one (protojson writes 64-bit ones as strings). */
    private static void fits(JsonNode value, String at, BigInteger min, BigInteger max, String type) throws InvalidEvent {
        if (!value.isNumber() && !value.isTextual()) {
            throw new InvalidEvent(at + " must be a number, got " + value.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        String text = value.isTextual() ? value.asText().strip() : value.asText();
        BigDecimal number;
        try {
            number = value.isNumber() ? value.decimalValue() : new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new InvalidEvent(at + " must be a whole number, got \"" + clip(text) + "\"");
        }
        if (number.precision() - number.scale() > MOST_DIGITS) {
            throw new InvalidEvent(at + " has " + (number.precision() - number.scale()) + " digits, too many for a "
                    + type + " (" + min + " to " + max + ")");
        }
        BigInteger whole;
        try {
            whole = number.toBigIntegerExact();
        } catch (ArithmeticException fraction) {
            throw new InvalidEvent(at + " must be a whole number, got " + clip(text));
        }
        if (whole.compareTo(min) < 0 || whole.compareTo(max) > 0) {
            throw new InvalidEvent(at + " is " + clip(whole.toString()) + ", outside a " + type + " (" + min + " to "
                    + max + ")");
        }
    }

    private static void finite(JsonNode value, String at, boolean isFloat) throws InvalidEvent {
        if (!value.isNumber()) {
            return; // "NaN", "Infinity" and numbers as strings: the parser's own rules
        }
        double d = value.asDouble();
        if (Double.isInfinite(d) || (isFloat && Math.abs(d) > Float.MAX_VALUE)) {
            throw new InvalidEvent(at + " is " + clip(value.asText()) + ", outside a " + (isFloat ? "float" : "double"));
        }
    }

    private static String clip(String text) {
        return text.length() <= 24 ? text : text.substring(0, 20) + "... (" + text.length() + " characters)";
    }
}
