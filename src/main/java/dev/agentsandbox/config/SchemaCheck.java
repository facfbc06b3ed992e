package dev.agentsandbox.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * The configuration's structure, checked against the JSON Schema that {@code agent-sandbox schema}
 * publishes (one source of truth for which keys exist and what they hold). Unknown keys are
 * reported with the nearest known key; other breaches are reported where no value check of
 * {@link ConfigReader} already said more.
 */
final class SchemaCheck {
    static final String RESOURCE = "/agent-sandbox.schema.json";
    private static final JsonNode RAW = raw();
    private static final JsonSchema SCHEMA = load();

    private SchemaCheck() {
    }

    private static JsonNode raw() {
        try (InputStream in = SchemaCheck.class.getResourceAsStream(RESOURCE)) {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("the jar is missing " + RESOURCE + ": rebuild it", e);
        }
    }

    private static JsonSchema load() {
        try (InputStream in = SchemaCheck.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar is missing " + RESOURCE + ": rebuild it");
            }
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER).build();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }

    /** The breaches of one validation: unknown keys are reported before the reader runs, the rest after it. */
    static List<ValidationMessage> validate(JsonNode root) {
        List<ValidationMessage> out = new ArrayList<>(SCHEMA.validate(root));
        out.sort(Comparator.comparing(SchemaCheck::pointer).thenComparing(ValidationMessage::getType));
        return out;
    }

    /** Unknown keys, with the nearest known key (the reader does not look for them). */
    static void unknownKeys(List<ValidationMessage> breaches, ConfigValues values) {
        for (ValidationMessage m : breaches) {
            if (m.getType().equals("additionalProperties") && m.getProperty() != null) {
                values.unknownKey(pointer(m), m.getProperty(), known(m));
            }
        }
    }

    /** Whatever else breaks the schema, where no value check of the reader already said more. */
    static void rest(List<ValidationMessage> breaches, ConfigValues values) {
        for (ValidationMessage m : breaches) {
            String at = pointer(m);
            if (m.getType().equals("additionalProperties") || values.reported(at)) {
                continue;
            }
            values.error(at, ConfigValues.key(at), describe(m));
        }
    }

    private static String pointer(ValidationMessage m) {
        String p = m.getInstanceLocation().toString();
        return p.equals("/") ? "" : p;
    }

    /** The keys the breached object's schema allows: the "properties" beside its "additionalProperties". */
    private static List<String> known(ValidationMessage m) {
        String location = m.getSchemaLocation().toString();
        String fragment = location.substring(location.indexOf('#') + 1).replaceFirst("/additionalProperties$", "");
        List<String> keys = new ArrayList<>();
        RAW.at(fragment).path("properties").fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static String describe(ValidationMessage m) {
        JsonNode value = m.getInstanceNode();
        String shown = value == null ? "" : "'" + (value.isTextual() ? value.asText() : value.toString()) + "' ";
        return switch (m.getType()) {
            case "type" -> shown + "is not " + typeWords(m.getSchemaNode());
            case "enum" -> shown + "is not one of " + m.getSchemaNode().toString();
            case "const" -> shown + "must be " + m.getSchemaNode().toString();
            case "required" -> "needs " + m.getProperty();
            case "pattern" -> shown + "is not in the expected form";
            default -> m.getMessage().replaceFirst("^\\S+: ", "");
        };
    }

    private static String typeWords(JsonNode type) {
        List<String> words = new ArrayList<>();
        for (Iterator<JsonNode> it = type.isArray() ? type.elements() : List.of(type).iterator(); it.hasNext(); ) {
            words.add(switch (it.next().asText()) {
                case "boolean" -> "true or false";
                case "integer" -> "a whole number";
                case "number" -> "a number";
                case "string" -> "text";
                case "array" -> "a list";
                case "object" -> "a mapping of keys to values";
                case "null" -> "empty";
                default -> "of the right type";
            });
        }
        return String.join(" or ", words);
    }
}
