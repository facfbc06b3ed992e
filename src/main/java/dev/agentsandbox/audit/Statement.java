package dev.agentsandbox.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An in-toto Statement v1: what is attested (subjects with their digests), the predicate's type
 * and the predicate itself. Checks itself: parsing refuses what is not a Statement v1.
 */
public record Statement(List<Subject> subjects, String predicateType, JsonNode predicate) {
    public static final String TYPE = "https://in-toto.io/Statement/v1";

    /** One attested thing: a name and its digests (algorithm → value). */
    public record Subject(String name, Map<String, String> digest) {
        public Subject {
            Objects.requireNonNull(name, "name");
            if (digest.isEmpty()) {
                throw new IllegalArgumentException("subject " + name + " has no digest");
            }
            digest = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(digest));
        }
    }

    public Statement {
        subjects = List.copyOf(subjects);
        if (predicateType == null || predicateType.isBlank()) {
            throw new IllegalArgumentException("the statement has no predicate type");
        }
        Objects.requireNonNull(predicate, "predicate");
    }

    /** @throws IllegalArgumentException when the payload is not an in-toto Statement v1 */
    public static Statement parse(byte[] payload) {
        JsonNode st;
        try {
            st = AuditLog.JSON.readTree(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (st == null || !TYPE.equals(st.path("_type").asText())) {
            throw new IllegalArgumentException("not an in-toto Statement v1");
        }
        List<Subject> subjects = new ArrayList<>();
        for (JsonNode s : st.path("subject")) {
            Map<String, String> digest = new LinkedHashMap<>();
            s.path("digest").fields().forEachRemaining(e -> digest.put(e.getKey(), e.getValue().asText()));
            subjects.add(new Subject(s.path("name").asText(), digest));
        }
        return new Statement(subjects, st.path("predicateType").asText(null), st.path("predicate"));
    }

    public JsonNode toJsonNode() {
        ObjectNode st = AuditLog.JSON.createObjectNode();
        st.put("_type", TYPE);
        for (Subject s : subjects) {
            ObjectNode n = st.withArray("subject").addObject();
            n.put("name", s.name());
            ObjectNode d = n.putObject("digest");
            s.digest().forEach(d::put);
        }
        if (subjects.isEmpty()) {
            st.putArray("subject");
        }
        st.put("predicateType", predicateType);
        st.set("predicate", predicate);
        return st;
    }

    public byte[] toJson() {
        try {
            return AuditLog.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJsonNode());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
