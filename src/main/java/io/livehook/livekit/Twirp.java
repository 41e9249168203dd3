package io.livehook.livekit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * LiveKit's RoomService over Twirp, the parts its client and a server share: {@code POST
 * /twirp/livekit.RoomService/<Method>}, JSON or protobuf bodies, and errors as JSON {@code {code, msg, meta}}.
 */
public final class Twirp {
    public static final String ROOM_SERVICE = "/twirp/livekit.RoomService/";
    private static final ObjectMapper ERRORS = new ObjectMapper();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer REQUESTS = JsonFormat.printer().omittingInsignificantWhitespace();
    /** LiveKit's JSON answers use snake_case and include zero values, unlike its webhooks. */
    private static final JsonFormat.Printer ANSWERS = JsonFormat.printer().preservingProtoFieldNames()
            .alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();

    private Twirp() {}

    /** JSON is LiveKit's documented default; protobuf is what its SDKs send. Both answer the same. */
    public enum Encoding {
        JSON("application/json"),
        PROTOBUF("application/protobuf");

        public final String contentType;

        Encoding(String contentType) {
            this.contentType = contentType;
        }

        /** The encoding a {@code Content-Type} names; JSON unless it is protobuf. */
        public static Encoding of(String contentType) {
            return contentType != null && contentType.startsWith(PROTOBUF.contentType) ? PROTOBUF : JSON;
        }

        public byte[] request(Message message) {
            return write(message, REQUESTS);
        }

        public byte[] answer(Message message) {
            return write(message, ANSWERS);
        }

        private byte[] write(Message message, JsonFormat.Printer printer) {
            if (this == PROTOBUF) {
                return message.toByteArray();
            }
            try {
                return printer.print(message).getBytes(StandardCharsets.UTF_8);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("a message of the SDK's own schema always prints", e);
            }
        }

        /** Merges a body into {@code into}; an empty JSON body is an empty message. */
        public void read(byte[] body, Message.Builder into) throws InvalidProtocolBufferException {
            if (this == PROTOBUF) {
                into.mergeFrom(body);
            } else if (body.length > 0) {
                PARSER.merge(new String(body, StandardCharsets.UTF_8), into);
            }
        }
    }

    /** Twirp's error body. */
    public static byte[] error(String code, String message) {
        try {
            return ERRORS.writeValueAsBytes(Map.of("code", code, "msg", message, "meta", Map.of()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an error of two strings is always JSON-writable", e);
        }
    }

    /** {@code " code: msg"} when the body is Twirp's error, else nothing: the status says enough. */
    static String describeError(byte[] body) {
        try {
            JsonNode error = ERRORS.readTree(body);
            if (error != null && error.hasNonNull("code")) {
                return " " + error.get("code").asText() + (error.hasNonNull("msg") ? ": " + error.get("msg").asText() : "");
            }
        } catch (IOException notJson) {
            // not Twirp's error shape
        }
        return "";
    }
}
