package io.tinyfleet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;

/** The one JSON writer of the CLI: every {@code --json} output goes through it. */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
    }

    /** The shared mapper (records and maps serialise as they are). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** {@code value} as indented JSON. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** Prints {@code value} as indented JSON followed by a newline. */
    public static void print(PrintStream out, Object value) {
        out.println(write(value));
    }
}
