package io.livehook.livekit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.ProtocolMessageEnum;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.function.IntConsumer;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.Room;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.TrackSource;
import livekit.LivekitModels.TrackType;
import livekit.LivekitWebhook.WebhookEvent;

/**
 * A webhook body read and written with LiveKit's own protobuf types. Reading accepts what every server build
 * sends, as protobuf's JSON parser does: camelCase or snake_case keys, int64 as strings or numbers, enums by
 * name or number, unknown fields and enum names ignored, absent fields read as zero values; protobuf's parser
 * itself, which builds a tree and sets each field by reflection, was the largest part of applying an event,
 * so the fields the rules read are read with a streaming parser. Writing is Go protojson's default:
 * camelCase, int64 as strings, zero values left out.
 */
public final class WebhookBody {
    private static final JsonFactory JSON = new JsonFactory();
    private static final JsonFormat.Parser PROTOBUF_JSON = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private WebhookBody() {}

    /**
     * Reads the fields livehook's rules use: createdAt, id, event, room, participant (its tracks included) and track with a streaming
     * parser and the builders' own setters; egressInfo and ingressInfo whole, through protobuf's parser. Other
     * fields are skipped unchecked.
     */
    public static WebhookEvent read(byte[] body) throws InvalidProtocolBufferException {
        try (JsonParser json = JSON.createParser(body)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidProtocolBufferException("a webhook body is a JSON object");
            }
            WebhookEvent.Builder event = WebhookEvent.newBuilder();
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                if (json.nextToken() == JsonToken.VALUE_NULL) {
                    continue;
                }
                switch (field) {
                    case "event" -> event.setEvent(text(json, field));
                    case "id" -> event.setId(text(json, field));
                    case "createdAt", "created_at" -> event.setCreatedAt(int64(json, field));
                    case "room" -> room(json, event.getRoomBuilder());
                    case "participant" -> participant(json, event.getParticipantBuilder());
                    case "track" -> track(json, event.getTrackBuilder());
                    case "egressInfo", "egress_info" -> protobuf(json, body, field,
                            event.getEgressInfoBuilder());
                    case "ingressInfo", "ingress_info" -> protobuf(json, body, field,
                            event.getIngressInfoBuilder());
                    default -> json.skipChildren();
                }
            }
            if (json.currentToken() != JsonToken.END_OBJECT || json.nextToken() != null) {
                throw new InvalidProtocolBufferException("a webhook body is one JSON object");
            }
            return event.build();
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidProtocolBufferException("the body is not a readable webhook: " + e.getMessage());
        }
    }

    private static void room(JsonParser json, Room.Builder room) throws IOException {
        object(json, "room");
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            if (json.nextToken() == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case "sid" -> room.setSid(text(json, field));
                case "name" -> room.setName(text(json, field));
                case "metadata" -> room.setMetadata(text(json, field));
                case "creationTime", "creation_time" -> room.setCreationTime(int64(json, field));
                case "creationTimeMs", "creation_time_ms" -> room.setCreationTimeMs(int64(json, field));
                case "emptyTimeout", "empty_timeout" -> room.setEmptyTimeout((int) int64(json, field));
                case "departureTimeout", "departure_timeout" -> room.setDepartureTimeout((int) int64(json, field));
                default -> json.skipChildren();
            }
        }
    }

    private static void participant(JsonParser json, ParticipantInfo.Builder p) throws IOException {
        object(json, "participant");
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            if (json.nextToken() == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case "sid" -> p.setSid(text(json, field));
                case "identity" -> p.setIdentity(text(json, field));
                case "name" -> p.setName(text(json, field));
                case "metadata" -> p.setMetadata(text(json, field));
                case "joinedAt", "joined_at" -> p.setJoinedAt(int64(json, field));
                case "joinedAtMs", "joined_at_ms" -> p.setJoinedAtMs(int64(json, field));
                case "state" -> enumValue(json, field, ParticipantInfo.State::valueOf, p::setStateValue);
                case "kind" -> enumValue(json, field, ParticipantInfo.Kind::valueOf, p::setKindValue);
                case "disconnectReason", "disconnect_reason" -> enumValue(json, field,
                        DisconnectReason::valueOf, p::setDisconnectReasonValue);
                case "tracks" -> tracks(json, p);
                default -> json.skipChildren();
            }
        }
    }

    /** A participant's published tracks: reconciliation's corrections carry those LiveKit listed. */
    private static void tracks(JsonParser json, ParticipantInfo.Builder p) throws IOException {
        if (json.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidProtocolBufferException("tracks is not a list");
        }
        while (json.nextToken() != JsonToken.END_ARRAY) {
            track(json, p.addTracksBuilder());
        }
    }

    private static void track(JsonParser json, TrackInfo.Builder track) throws IOException {
        object(json, "track");
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            if (json.nextToken() == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case "sid" -> track.setSid(text(json, field));
                case "name" -> track.setName(text(json, field));
                case "mimeType", "mime_type" -> track.setMimeType(text(json, field));
                case "type" -> enumValue(json, field, TrackType::valueOf, track::setTypeValue);
                case "source" -> enumValue(json, field, TrackSource::valueOf,
                        track::setSourceValue);
                default -> json.skipChildren();
            }
        }
    }

    /** A whole nested message through protobuf's own JSON parser. */
    private static void protobuf(JsonParser json, byte[] body, String field, Message.Builder builder)
            throws IOException {
        object(json, field);
        int start = (int) json.currentTokenLocation().getByteOffset();
        json.skipChildren();
        int end = (int) json.currentLocation().getByteOffset();
        PROTOBUF_JSON.merge(new String(body, start, end - start, StandardCharsets.UTF_8), builder);
    }

    private static void object(JsonParser json, String field) throws IOException {
        if (json.currentToken() != JsonToken.START_OBJECT) {
            throw new InvalidProtocolBufferException(field + " is not an object");
        }
    }

    /** A string field; like protobuf's parser, a number or boolean is taken as its text. */
    private static String text(JsonParser json, String field) throws IOException {
        if (!json.currentToken().isScalarValue()) {
            throw new InvalidProtocolBufferException(field + " is not a string");
        }
        return json.getText();
    }

    /** An int64 field: a number or a string holding one, integral and in range. */
    private static long int64(JsonParser json, String field) throws IOException {
        JsonToken token = json.currentToken();
        try {
            if (token == JsonToken.VALUE_NUMBER_INT) {
                return json.getLongValue();
            }
            if (token == JsonToken.VALUE_STRING || token == JsonToken.VALUE_NUMBER_FLOAT) {
                String text = json.getText().strip();
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException e) {
                    return new BigDecimal(text).longValueExact();
                }
            }
        } catch (ArithmeticException | NumberFormatException | IOException e) {
            // described below
        }
        throw new InvalidProtocolBufferException(field + " is not an int64: " + json.getText());
    }

    /** An enum by name (an unknown name leaves the field unset) or by number. */
    private static void enumValue(JsonParser json, String field, Function<String, ? extends ProtocolMessageEnum> byName,
            IntConsumer setNumber) throws IOException {
        JsonToken token = json.currentToken();
        if (token == JsonToken.VALUE_NUMBER_INT) {
            setNumber.accept(json.getIntValue());
            return;
        }
        if (token != JsonToken.VALUE_STRING) {
            throw new InvalidProtocolBufferException(field + " is not an enum value");
        }
        String text = json.getText();
        try {
            setNumber.accept(byName.apply(text).getNumber());
        } catch (IllegalArgumentException unknownName) { // UNRECOGNIZED has no number: it is no name either
            try {
                setNumber.accept(Integer.parseInt(text));
            } catch (NumberFormatException notANumber) {
                // an enum name this SDK does not know: left unset
            }
        }
    }

    public static byte[] write(WebhookEvent.Builder event) {
        try {
            return PRINTER.print(event).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a WebhookEvent of the SDK's own schema always prints", e);
        }
    }
}
