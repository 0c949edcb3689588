package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import org.apache.spark.util.kvstore.KVIndex;

/**
 * The lists of one checkpoint that only its details page shows (partition files, the plan's
 * ancestor decisions, files left on disk, clean-ups), as a status-store row of its own keyed by
 * the checkpoint's id: the list pages read {@link CheckpointRow}s, which stay small however
 * many partitions a checkpoint has. Kept as deflated JSON: a live driver's in-memory store
 * holds a thousand checkpoints of a thousand partitions each in about 20 MiB, not 700.
 */
public final class CheckpointDetails {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };

  /** The {@link CheckpointRow#id} these lists belong to. */
  @KVIndex
  public long id;
  /** The lists as a deflated JSON object, field names as in {@link CheckpointRow}. */
  public byte[] deflatedJson;

  public CheckpointDetails() {
  }

  static CheckpointDetails of(long id, Map<String, Object> lists) {
    CheckpointDetails d = new CheckpointDetails();
    d.id = id;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DeflaterOutputStream out = new DeflaterOutputStream(bytes)) {
      JSON.writeValue(out, lists);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    d.deflatedJson = bytes.toByteArray();
    return d;
  }

  /** The lists, a fresh map the caller may change. */
  Map<String, Object> lists() {
    if (deflatedJson == null) {
      return new LinkedHashMap<>();
    }
    try (InflaterInputStream in = new InflaterInputStream(
        new java.io.ByteArrayInputStream(deflatedJson))) {
      return JSON.readValue(in, MAP);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
