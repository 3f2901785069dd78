package dev.jlxcfs.it;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.kubernetes.client.openapi.JSON;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every Kubernetes manifest in the tree (every YAML document with {@code apiVersion} and {@code kind}) checked
 * offline against the Kubernetes API's schema: each document is read into the API object of its kind with the
 * models of the Kubernetes Java client ({@code io.kubernetes:client-java-api}), generated from the API server's
 * OpenAPI spec together with their validation. A field the kind does not have (at any depth), a missing required
 * field (a container's {@code name}, a pod's {@code containers}, a DaemonSet's {@code selector} ...), a value of the
 * wrong JSON type (a string for a boolean or an integer, a number for a string, an object for a list, a malformed
 * quantity) or a kind the API does not have fails, as the API server would refuse it. Each of these is shown failing
 * on a broken copy of the real manifests first, so a check that accepts everything cannot pass.
 *
 * <p>Not checked (the API server's own validation, beyond the schema): values inside a valid type (an enum's value
 * such as a hostPath {@code type}, a name's syntax, a label selector matching the template's labels) and whether the
 * {@code apiVersion}'s group serves the kind (only its version is used to find the model).
 */
class KubernetesSchemaIT {

  /** The API objects' models (client-java-api 24 carries the Kubernetes 1.33 API). */
  private static final String MODELS = "io.kubernetes.client.openapi.models.";

  /** The models' Gson (every kind's adapter and validation), its scalars taking only their own JSON type. */
  private static final Gson STRICT;

  static {
    TypeAdapter<String> string = strict(JsonToken.STRING, JsonReader::nextString, JsonWriter::value);
    TypeAdapter<Boolean> bool = strict(JsonToken.BOOLEAN, JsonReader::nextBoolean, JsonWriter::value);
    TypeAdapter<Integer> int32 = strict(JsonToken.NUMBER, JsonReader::nextInt, JsonWriter::value);
    TypeAdapter<Long> int64 = strict(JsonToken.NUMBER, JsonReader::nextLong, JsonWriter::value);
    TypeAdapter<Double> number = strict(JsonToken.NUMBER, JsonReader::nextDouble, JsonWriter::value);
    STRICT = JSON.getGson().newBuilder()
        .registerTypeAdapter(String.class, string)
        .registerTypeAdapter(Boolean.class, bool).registerTypeAdapter(boolean.class, bool)
        .registerTypeAdapter(Integer.class, int32).registerTypeAdapter(int.class, int32)
        .registerTypeAdapter(Long.class, int64).registerTypeAdapter(long.class, int64)
        .registerTypeAdapter(Double.class, number).registerTypeAdapter(double.class, number)
        .create();
  }

  @Test
  void everyManifestMatchesTheKubernetesSchema() throws IOException {
    Map<String, List<JsonObject>> manifests = manifests();
    assertTrue(manifests.containsKey("packaging/kubernetes/daemonset.yaml"), "found: " + manifests.keySet());
    assertTrue(manifests.containsKey("examples/kubernetes-pod.yaml"), "found: " + manifests.keySet());
    List<String> kinds = new ArrayList<>();
    for (Map.Entry<String, List<JsonObject>> m : manifests.entrySet()) {
      int i = 0;
      for (JsonObject doc : m.getValue()) {
        String where = m.getKey() + " document " + ++i;
        assertNull(violation(doc), where);
        kinds.add(doc.get("kind").getAsString());
      }
    }
    assertTrue(kinds.containsAll(List.of("Namespace", "DaemonSet", "Pod")), "kinds checked: " + kinds);
    System.out.println("KubernetesSchemaIT: " + kinds.size() + " documents of " + manifests.keySet() + " match "
        + "the schema: " + kinds);
  }

  /** Each kind of mistake the schema catches, in a copy of the real DaemonSet and pod. */
  @Test
  void brokenManifestsFail() throws IOException {
    Map<String, List<JsonObject>> manifests = manifests();
    JsonObject daemonSet = manifests.get("packaging/kubernetes/daemonset.yaml").stream()
        .filter(d -> d.get("kind").getAsString().equals("DaemonSet")).findFirst().orElseThrow();
    JsonObject pod = manifests.get("examples/kubernetes-pod.yaml").get(0);
    assertNull(violation(daemonSet));
    assertNull(violation(pod));

    Map<String, Consumer<JsonObject>> breakDaemonSet = new LinkedHashMap<>();
    breakDaemonSet.put("an unknown field of the pod spec (a typo)",
        d -> podSpec(d).addProperty("hostPid", true));
    breakDaemonSet.put("an unknown field deep down (securityContext)",
        d -> container(d).getAsJsonObject("securityContext").addProperty("privilegd", true));
    breakDaemonSet.put("an unknown top-level field",
        d -> d.add("specs", d.get("spec")));
    breakDaemonSet.put("a string for a boolean",
        d -> container(d).getAsJsonObject("securityContext").addProperty("privileged", "true"));
    breakDaemonSet.put("a string for an integer",
        d -> podSpec(d).addProperty("terminationGracePeriodSeconds", "30s"));
    breakDaemonSet.put("a number for a string",
        d -> container(d).addProperty("image", 42));
    breakDaemonSet.put("an object for a list",
        d -> container(d).add("args", new JsonObject()));
    breakDaemonSet.put("a string for a list",
        d -> podSpec(d).addProperty("tolerations", "all"));
    breakDaemonSet.put("a string for an object",
        d -> container(d).addProperty("securityContext", "privileged"));
    breakDaemonSet.put("a malformed quantity",
        d -> container(d).getAsJsonObject("resources").getAsJsonObject("limits").addProperty("memory", "192 MB"));
    breakDaemonSet.put("a missing required field: the container's name",
        d -> container(d).remove("name"));
    breakDaemonSet.put("a missing required field: the DaemonSet's selector",
        d -> d.getAsJsonObject("spec").remove("selector"));
    breakDaemonSet.put("a missing required field: a volume mount's mountPath",
        d -> container(d).getAsJsonArray("volumeMounts").get(0).getAsJsonObject().remove("mountPath"));
    breakDaemonSet.put("a kind the API does not have",
        d -> d.addProperty("kind", "DaemonSett"));
    breakDaemonSet.put("no kind", d -> d.remove("kind"));
    for (Map.Entry<String, Consumer<JsonObject>> b : breakDaemonSet.entrySet()) {
      JsonObject broken = daemonSet.deepCopy();
      b.getValue().accept(broken);
      String v = violation(broken);
      assertNotNull(v, "the schema check refuses " + b.getKey());
      System.out.println("KubernetesSchemaIT: " + b.getKey() + " -> " + v.substring(0, Math.min(v.length(), 160)));
    }

    JsonObject noPath = pod.deepCopy();
    noPath.getAsJsonObject("spec").getAsJsonArray("volumes").get(0).getAsJsonObject().getAsJsonObject("hostPath")
        .remove("path");
    assertNotNull(violation(noPath), "a hostPath volume without a path");
    JsonObject noContainers = pod.deepCopy();
    noContainers.getAsJsonObject("spec").remove("containers");
    assertNotNull(violation(noContainers), "a pod without containers");
  }

  /** The YAML parser refuses a duplicate key (which a lenient parser would resolve silently, last one wins). */
  @Test
  void duplicateKeysFail() {
    String yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n";
    try {
      yaml().loadAll(yaml).forEach(d -> { });
    } catch (RuntimeException e) {
      assertTrue(e.getMessage().contains("duplicate key"), e.getMessage());
      return;
    }
    throw new AssertionError("a duplicate key was accepted");
  }

  private static JsonObject podSpec(JsonObject daemonSet) {
    return daemonSet.getAsJsonObject("spec").getAsJsonObject("template").getAsJsonObject("spec");
  }

  private static JsonObject container(JsonObject daemonSet) {
    return podSpec(daemonSet).getAsJsonArray("containers").get(0).getAsJsonObject();
  }

  /** What is wrong with a document, or null when it matches its kind's schema. */
  static String violation(JsonObject doc) {
    if (!doc.has("apiVersion") || !doc.has("kind")) {
      return "no apiVersion or kind";
    }
    String apiVersion = doc.get("apiVersion").getAsString();
    String version = apiVersion.substring(apiVersion.lastIndexOf('/') + 1);
    String type = MODELS + Character.toUpperCase(version.charAt(0)) + version.substring(1)
        + doc.get("kind").getAsString();
    Class<?> model;
    try {
      model = Class.forName(type);
    } catch (ClassNotFoundException e) {
      return "the Kubernetes API has no kind " + doc.get("kind") + " in " + apiVersion;
    }
    try {
      STRICT.fromJson(doc, model);
      return null;
    } catch (RuntimeException e) {
      // JsonParseException (a value's type, a quantity's format), IllegalArgumentException (an unknown or missing
      // field), IllegalStateException and ClassCastException (an object, a list or a scalar in the wrong place).
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  /** Every YAML document of the tree with an apiVersion and a kind, by file. */
  static Map<String, List<JsonObject>> manifests() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    List<String> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.map(p -> root.relativize(p).toString())
          .filter(p -> !p.startsWith("target/") && !p.startsWith(".git/"))
          .filter(p -> p.endsWith(".yaml") || p.endsWith(".yml")).sorted().toList();
    }
    Map<String, List<JsonObject>> out = new LinkedHashMap<>();
    for (String f : files) {
      for (Object doc : yaml().loadAll(Files.readString(Path.of(f)))) {
        if (doc instanceof Map<?, ?> m && m.containsKey("apiVersion") && m.containsKey("kind")) {
          out.computeIfAbsent(f, k -> new ArrayList<>()).add(toJson(doc).getAsJsonObject());
        }
      }
    }
    return out;
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    return new Yaml(new SafeConstructor(options));
  }

  private static JsonElement toJson(Object o) {
    if (o == null) {
      return JsonNull.INSTANCE;
    }
    if (o instanceof Map<?, ?> m) {
      JsonObject obj = new JsonObject();
      m.forEach((k, v) -> obj.add(String.valueOf(k), toJson(v)));
      return obj;
    }
    if (o instanceof List<?> l) {
      JsonArray a = new JsonArray();
      l.forEach(v -> a.add(toJson(v)));
      return a;
    }
    if (o instanceof Boolean b) {
      return new JsonPrimitive(b);
    }
    if (o instanceof Number n) {
      return new JsonPrimitive(n);
    }
    return new JsonPrimitive(String.valueOf(o));
  }

  private interface Reader<T> {
    T read(JsonReader in) throws IOException;
  }

  private interface Writer<T> {
    void write(JsonWriter out, T value) throws IOException;
  }

  /** A scalar adapter that takes only its own JSON type (Gson's own turn "true" into a boolean, 5 into "5"). */
  private static <T> TypeAdapter<T> strict(JsonToken token, Reader<T> reader, Writer<T> writer) {
    return new TypeAdapter<T>() {
      @Override
      public void write(JsonWriter out, T value) throws IOException {
        if (value == null) {
          out.nullValue();
        } else {
          writer.write(out, value);
        }
      }

      @Override
      public T read(JsonReader in) throws IOException {
        JsonToken t = in.peek();
        if (t == JsonToken.NULL) {
          in.nextNull();
          return null;
        }
        if (t != token) {
          throw new JsonParseException("expected a " + token + " but found a " + t + " at " + in.getPath());
        }
        return reader.read(in);
      }
    };
  }
}
