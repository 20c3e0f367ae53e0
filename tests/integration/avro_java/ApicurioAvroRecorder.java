// Records what Apicurio Registry's Kafka Connect AvroConverter (io.apicurio:apicurio-registry-utils-converter,
// which carries its own port of Confluent's AvroData) writes and reads in Confluent's wire format, for
// tests/unit/converters/test_avro_converter_java.py. Run by record_apicurio.py, which resolves the jars with
// Maven into ~/.cache and passes the registry URL. Modes:
//   write <registry v2 url>           one JSON line per case: topic, Java's bytes (hex), Java's own read-back
//   read  <registry v2 url>           stdin: JSON lines {"case","topic","hex"}; prints what Java reads from them
// A read-back is printed as Kafka's JsonConverter envelope (schema + payload), a stable text of Connect data.

import io.apicurio.registry.utils.converter.AvroConverter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;

public class ApicurioAvroRecorder {

    static final Schema INNER = SchemaBuilder.struct().name("rec.Inner").field("x", Schema.INT32_SCHEMA).optional().build();
    static final Schema EVERYTHING = SchemaBuilder.struct().name("rec.Everything").version(2).doc("all types")
        .field("i8", Schema.INT8_SCHEMA).field("i16", Schema.INT16_SCHEMA).field("i32", Schema.INT32_SCHEMA)
        .field("i64", Schema.INT64_SCHEMA).field("f32", Schema.FLOAT32_SCHEMA).field("f64", Schema.FLOAT64_SCHEMA)
        .field("flag", Schema.BOOLEAN_SCHEMA).field("text", Schema.STRING_SCHEMA).field("raw", Schema.BYTES_SCHEMA)
        .field("amount", Decimal.schema(3)).field("day", Date.SCHEMA).field("at", Time.SCHEMA)
        .field("ts", Timestamp.SCHEMA)
        .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())
        .field("counts", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
        .field("by_id", SchemaBuilder.map(Schema.INT64_SCHEMA, Schema.STRING_SCHEMA).build())
        .field("inner", INNER).field("none", INNER).field("maybe", Schema.OPTIONAL_FLOAT64_SCHEMA)
        .field("dflt", SchemaBuilder.int32().defaultValue(5).build())
        .build();
    static final Schema PLAIN = SchemaBuilder.struct().name("rec.Plain")
        .field("id", Schema.INT64_SCHEMA).field("name", Schema.OPTIONAL_STRING_SCHEMA).build();

    static Map<String, SchemaAndValue> cases() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("k", 7L);
        Map<Long, String> byId = new LinkedHashMap<>();
        byId.put(1L, "one");
        byId.put(-2L, "minus two");
        Struct everything = new Struct(EVERYTHING)
            .put("i8", (byte) -8).put("i16", (short) 1600).put("i32", Integer.MIN_VALUE).put("i64", Long.MAX_VALUE)
            .put("f32", 1.5f).put("f64", -2.25e-300).put("flag", true).put("text", "z\u00fcrich \u20ac")
            .put("raw", new byte[] {0, 1, (byte) 0xff}).put("amount", new BigDecimal("-12.345"))
            .put("day", new java.util.Date(19782L * 86400000L)).put("at", new java.util.Date(45296789L))
            .put("ts", new java.util.Date(1893456789123L))
            .put("tags", Arrays.asList("a", null, "c")).put("counts", counts).put("by_id", byId)
            .put("inner", new Struct(INNER).put("x", 42)).put("none", null).put("maybe", null).put("dflt", 9);
        Map<String, SchemaAndValue> cases = new LinkedHashMap<>();
        cases.put("everything", new SchemaAndValue(EVERYTHING, everything));
        cases.put("plain", new SchemaAndValue(PLAIN, new Struct(PLAIN).put("id", 1L).put("name", "n")));
        cases.put("plain_null_name", new SchemaAndValue(PLAIN, new Struct(PLAIN).put("id", -1L)));
        cases.put("string", new SchemaAndValue(Schema.STRING_SCHEMA, "just text"));
        cases.put("int64", new SchemaAndValue(Schema.INT64_SCHEMA, 1234567890123L));
        cases.put("optional_int32", new SchemaAndValue(Schema.OPTIONAL_INT32_SCHEMA, 5));
        cases.put("float64", new SchemaAndValue(Schema.FLOAT64_SCHEMA, 0.1));
        cases.put("boolean", new SchemaAndValue(Schema.BOOLEAN_SCHEMA, false));
        cases.put("array", new SchemaAndValue(SchemaBuilder.array(Schema.INT32_SCHEMA).build(), Arrays.asList(1, 2, 3)));
        return cases;
    }

    static String json(JsonConverter conv, SchemaAndValue sv) {
        try {
            return new String(conv.fromConnectData("t", sv.schema(), sv.value()), StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            // e.g. Apicurio 2.6's AvroData hands a top-level string back as Avro's Utf8, which Connect rejects
            return "ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    static AvroConverter converter(String url) {
        Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.url", url);
        config.put("apicurio.registry.auto-register", "true");
        config.put("apicurio.registry.as-confluent", "true");
        config.put("apicurio.registry.headers.enabled", "false");
        config.put("apicurio.registry.use-id", "contentId");
        AvroConverter conv = new AvroConverter();
        conv.configure(config, false);
        return conv;
    }

    static String field(String line, String name) {
        int at = line.indexOf("\"" + name + "\":\"") + name.length() + 4;
        return line.substring(at, line.indexOf('"', at));
    }

    public static void main(String[] args) throws Exception {
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
        String mode = args[0];
        AvroConverter avro = converter(args[1]);
        JsonConverter jsonConv = new JsonConverter();
        jsonConv.configure(Map.of("schemas.enable", "true"), false);
        if (mode.equals("write")) {
            String prefix = args[2];
            for (Map.Entry<String, SchemaAndValue> c : cases().entrySet()) {
                String topic = prefix + "-" + c.getKey();
                byte[] bytes = avro.fromConnectData(topic, c.getValue().schema(), c.getValue().value());
                SchemaAndValue back = avro.toConnectData(topic, bytes);
                System.out.println("{\"case\":" + quote(c.getKey()) + ",\"topic\":" + quote(topic)
                    + ",\"hex\":\"" + HexFormat.of().formatHex(bytes) + "\",\"connect\":" + quote(json(jsonConv, c.getValue()))
                    + ",\"read_back\":" + quote(json(jsonConv, back)) + "}");
            }
        } else {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
            for (String line : lines) {
                byte[] bytes = HexFormat.of().parseHex(field(line, "hex"));
                String read;
                try {
                    read = json(jsonConv, avro.toConnectData(field(line, "topic"), bytes));
                } catch (RuntimeException e) {
                    read = "ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                System.out.println("{\"case\":" + quote(field(line, "case")) + ",\"read\":" + quote(read) + "}");
            }
        }
    }
}
