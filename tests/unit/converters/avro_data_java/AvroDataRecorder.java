// Prints the Avro schema text a Java AvroData builds for the Connect schemas of test_avro_data.py, one JSON line
// per case: {"case": name, "schema": Schema.toString()}. The Java side is Apicurio Registry's port of
// Confluent's AvroData (io.apicurio:apicurio-registry-utils-converter:2.6.13.Final; Confluent's io.confluent
// jars are not on Maven Central). Run by record.py, which resolves the jars with mvn into ~/.cache.

import io.apicurio.registry.utils.converter.avro.AvroData;
import io.apicurio.registry.utils.converter.avro.AvroDataConfig;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

public class AvroDataRecorder {
    static AvroData data(boolean enhanced, boolean meta) {
        Map<String, Object> props = new HashMap<>();
        props.put(AvroDataConfig.ENHANCED_AVRO_SCHEMA_SUPPORT_CONFIG, enhanced);
        props.put(AvroDataConfig.CONNECT_META_DATA_CONFIG, meta);
        return new AvroData(new AvroDataConfig(props));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else b.append(c);
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) {
        Map<String, Schema> plain = new LinkedHashMap<>();
        plain.put("complex", SchemaBuilder.struct()
            .field("int8", SchemaBuilder.int8().defaultValue((byte) 2).doc("int8 field").build())
            .field("int16", Schema.INT16_SCHEMA).field("int32", Schema.INT32_SCHEMA).field("int64", Schema.INT64_SCHEMA)
            .field("float32", Schema.FLOAT32_SCHEMA).field("float64", Schema.FLOAT64_SCHEMA)
            .field("boolean", Schema.BOOLEAN_SCHEMA).field("string", Schema.STRING_SCHEMA).field("bytes", Schema.BYTES_SCHEMA)
            .field("array", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("map", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
            .field("mapNonStringKeys", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.INT32_SCHEMA).build())
            .build());
        plain.put("optional_primitive_with_metadata", SchemaBuilder.string().doc("doc").defaultValue("foo")
            .name("io.confluent.stringtype").version(2).optional().parameter("foo", "bar").parameter("baz", "baz").build());
        plain.put("optional_string", Schema.OPTIONAL_STRING_SCHEMA);
        plain.put("named_record", SchemaBuilder.struct().name("io.confluent.test.TestSchema").version(12).doc("doc")
            .field("int32", Schema.INT32_SCHEMA).build());
        plain.put("decimal", Decimal.schema(2));
        plain.put("decimal_precision", Decimal.builder(2).parameter("connect.decimal.precision", "10").build());
        plain.put("date", Date.SCHEMA);
        plain.put("time", Time.SCHEMA);
        plain.put("timestamp_doc", Timestamp.builder().doc("When this message was received.").build());
        plain.put("named_map", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).name("foo.bar").build());
        Schema a = SchemaBuilder.struct().field("x", Schema.INT32_SCHEMA).build();
        Schema b = SchemaBuilder.struct().field("y", Schema.STRING_SCHEMA).build();
        plain.put("unnamed_reuse", SchemaBuilder.struct().field("a", a).field("b", b).field("a2", a).build());
        Schema inner = SchemaBuilder.struct().name("Plain").field("x", Schema.INT32_SCHEMA).build();
        plain.put("other_namespace", SchemaBuilder.struct().name("com.acme.Outer").field("inner", inner).build());
        Schema member = SchemaBuilder.struct().name("com.acme.Thing").field("id", Schema.INT64_SCHEMA).optional().build();
        plain.put("union", SchemaBuilder.struct().name("io.confluent.connect.avro.Union").optional()
            .field("int", Schema.OPTIONAL_INT32_SCHEMA).field("string", Schema.OPTIONAL_STRING_SCHEMA)
            .field("Thing", member).build());
        plain.put("defaults", SchemaBuilder.struct().name("rec.Defaults")
            .field("dflt", SchemaBuilder.int32().defaultValue(5).build())
            .field("opt_dflt", SchemaBuilder.string().optional().defaultValue("x").build())
            .field("f64", SchemaBuilder.float64().defaultValue(1.5).build())
            .field("raw", SchemaBuilder.bytes().defaultValue(new byte[] {104, 105}).build())
            .build());

        Map<String, Schema> enhanced = new LinkedHashMap<>();
        enhanced.put("enum_enhanced", SchemaBuilder.string().name("TestEnum")
            .parameter("io.confluent.connect.avro.Enum", "TestEnum")
            .parameter("io.confluent.connect.avro.Enum.foo", "foo")
            .parameter("io.confluent.connect.avro.Enum.bar", "bar").build());

        Map<String, Schema> noMeta = new LinkedHashMap<>();
        noMeta.put("no_metadata", SchemaBuilder.struct().name("a.B").version(3).doc("d")
            .field("ts", Timestamp.SCHEMA).field("s", Schema.INT16_SCHEMA).build());

        for (Map.Entry<String, Schema> e : plain.entrySet())
            System.out.println("{\"case\":" + quote(e.getKey()) + ",\"schema\":" + quote(data(false, true).fromConnectSchema(e.getValue()).toString()) + "}");
        for (Map.Entry<String, Schema> e : enhanced.entrySet())
            System.out.println("{\"case\":" + quote(e.getKey()) + ",\"schema\":" + quote(data(true, true).fromConnectSchema(e.getValue()).toString()) + "}");
        for (Map.Entry<String, Schema> e : noMeta.entrySet())
            System.out.println("{\"case\":" + quote(e.getKey()) + ",\"schema\":" + quote(data(false, false).fromConnectSchema(e.getValue()).toString()) + "}");
    }
}
