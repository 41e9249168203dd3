package io.livehook.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The part of JSON Schema (as OpenAPI 3.1 uses it) that livehook's description needs, checked strictly: {@code $ref}
 * within the document, {@code allOf}, {@code type} (one or a list), {@code enum}, {@code required},
 * {@code properties}, {@code items}, {@code additionalProperties}. Stricter than JSON Schema in one way: an object
 * may hold only the properties its schema (with its {@code allOf} parts) declares, unless the schema allows
 * {@code additionalProperties}, so an answer has exactly the documented fields.
 */
final class SchemaCheck {
    private final JsonNode document;

    SchemaCheck(JsonNode document) {
        this.document = document;
    }

    /** What is wrong with {@code value} against {@code schema}; empty when nothing is. */
    List<String> problems(JsonNode value, JsonNode schema) {
        List<String> problems = new ArrayList<>();
        check(value, schema, "$", true, problems);
        return problems;
    }

    JsonNode resolve(JsonNode schema) {
        JsonNode resolved = schema;
        while (resolved.has("$ref")) {
            String ref = resolved.get("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new IllegalArgumentException("only references within the document are supported: " + ref);
            }
            JsonNode target = document.at(ref.substring(1));
            if (target.isMissingNode()) {
                throw new IllegalArgumentException("unresolved reference " + ref);
            }
            resolved = target;
        }
        return resolved;
    }

    private void check(JsonNode value, JsonNode rawSchema, String at, boolean closed, List<String> problems) {
        JsonNode schema = resolve(rawSchema);
        for (JsonNode part : schema.path("allOf")) {
            check(value, part, at, false, problems);
        }
        if (schema.has("type") && !typeMatches(value, schema.get("type"))) {
            problems.add(at + ": expected " + schema.get("type") + ", got " + value.getNodeType() + " " + value);
            return;
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode allowed : schema.get("enum")) {
                listed |= allowed.equals(value);
            }
            if (!listed) {
                problems.add(at + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
        if (value.isObject()) {
            for (JsonNode name : schema.path("required")) {
                if (!value.has(name.asText())) {
                    problems.add(at + ": required field " + name.asText() + " is missing");
                }
            }
            JsonNode additional = schema.path("additionalProperties");
            value.fieldNames().forEachRemaining(name -> {
                JsonNode declared = schema.path("properties").get(name);
                if (declared != null) {
                    check(value.get(name), declared, at + "." + name, true, problems);
                } else if (additional.isObject()) {
                    check(value.get(name), additional, at + "." + name, true, problems);
                } else if (closed && !additional.asBoolean(false) && !declared(schema).contains(name)
                        && (schema.has("properties") || schema.has("allOf"))) {
                    problems.add(at + ": field " + name + " is not documented");
                }
            });
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(value.get(i), schema.get("items"), at + "[" + i + "]", true, problems);
            }
        }
    }

    /** The property names a schema declares, its {@code allOf} parts' included. */
    private Set<String> declared(JsonNode rawSchema) {
        JsonNode schema = resolve(rawSchema);
        Set<String> names = new LinkedHashSet<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        for (JsonNode part : schema.path("allOf")) {
            names.addAll(declared(part));
        }
        return names;
    }

    private static boolean typeMatches(JsonNode value, JsonNode type) {
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (typeMatches(value, t)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.asText()) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
    }
}
