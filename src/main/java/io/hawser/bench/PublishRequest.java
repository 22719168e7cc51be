package io.hawser.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.Base64;

/**
 * One kind of publishing HTTP request: what to send, and how to check the answer message by
 * message. The body is built once and re-sent, so the client spends its CPU on I/O, not on encoding.
 */
interface PublishRequest {

  String uri();

  String contentType();

  Buffer body();

  int messagesPerRequest();

  /** Checks one answer and tells {@code sink} about every message in it. */
  void check(int status, Buffer body, AckSink sink);

  /** Where a checked answer goes: each message is either acked with an offset, or failed. */
  interface AckSink {
    void acked(long offset);

    void failed(int messages, String why);
  }

  /** {@code POST /v1/streams/{s}/messages?ack=leader}, the payload as the body; 201 with an offset. */
  static PublishRequest single(String stream, byte[] payload) {
    return new Single(stream, Buffer.buffer(payload));
  }

  /** {@code POST /v1/streams/{s}/batch} with {@code lines} NDJSON lines {@code {"value":"<base64>"}}. */
  static PublishRequest batch(String stream, byte[] payload, int lines) {
    return new Batch(stream, payload, lines);
  }

  final class Single implements PublishRequest {
    private final String uri;
    private final Buffer body;

    Single(String stream, Buffer body) {
      this.uri = "/v1/streams/" + stream + "/messages?ack=leader";
      this.body = body;
    }

    @Override
    public String uri() {
      return uri;
    }

    @Override
    public String contentType() {
      return "application/octet-stream";
    }

    @Override
    public Buffer body() {
      return body;
    }

    @Override
    public int messagesPerRequest() {
      return 1;
    }

    @Override
    public void check(int status, Buffer answer, AckSink sink) {
      if (status != 201) {
        sink.failed(1, "HTTP " + status + " " + HawserApi.errorText(answer));
        return;
      }
      long offset = OffsetScanner.find(answer);
      if (offset == OffsetScanner.NONE || offset < 0) {
        sink.failed(1, "201 without an offset: " + HawserApi.errorText(answer));
      } else {
        sink.acked(offset);
      }
    }
  }

  final class Batch implements PublishRequest {
    private static final JsonFactory JSON = new JsonFactory(); // thread-safe, shared by all event loops
    private final String uri;
    private final Buffer body;
    private final int lines;

    Batch(String stream, byte[] payload, int lines) {
      this.uri = "/v1/streams/" + stream + "/batch";
      this.lines = lines;
      String line = "{\"value\":\"" + Base64.getEncoder().encodeToString(payload) + "\"}\n";
      this.body = Buffer.buffer(line.repeat(lines));
    }

    @Override
    public String uri() {
      return uri;
    }

    @Override
    public String contentType() {
      return "application/x-ndjson";
    }

    @Override
    public Buffer body() {
      return body;
    }

    @Override
    public int messagesPerRequest() {
      return lines;
    }

    /**
     * Every line must come back as {@code {"partition":..,"offset":N}}; errors and missing acks
     * count as failed. Read with a streaming parser: building a map per ack cost the client more
     * CPU than the rest of the batch workload.
     */
    @Override
    public void check(int status, Buffer answer, AckSink sink) {
      if (status / 100 != 2) {
        sink.failed(lines, "HTTP " + status + " " + HawserApi.errorText(answer));
        return;
      }
      int seen = 0;
      boolean sawAcks = false;
      try (JsonParser p = JSON.createParser(answer.getBytes())) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw new JsonParseException(p, "not an object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken value = p.nextToken();
          if (!"acks".equals(field) || value != JsonToken.START_ARRAY) {
            p.skipChildren();
            continue;
          }
          sawAcks = true;
          for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
              throw new JsonParseException(p, "truncated");
            }
            seen++;
            if (seen > lines) {
              p.skipChildren();
              continue;
            }
            readAck(p, t, seen - 1, sink);
          }
        }
      } catch (IOException e) {
        sink.failed(Math.max(1, lines - seen), "batch answer is not {\"acks\":[...]}: " + e.getMessage());
        return;
      }
      if (!sawAcks) {
        sink.failed(lines, "batch answer has no \"acks\": " + HawserApi.errorText(answer));
      } else if (seen != lines) {
        sink.failed(Math.max(1, lines - seen), "sent " + lines + " lines, got " + seen + " acks");
      }
    }

    /** One element of "acks": an offset, or an error (counted as a failed message). */
    private static void readAck(JsonParser p, JsonToken start, int index, AckSink sink) throws IOException {
      if (start != JsonToken.START_OBJECT) {
        p.skipChildren();
        sink.failed(1, "ack " + index + " is not an object");
        return;
      }
      long offset = -1;
      String error = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("offset".equals(field) && value == JsonToken.VALUE_NUMBER_INT) {
          offset = p.getLongValue();
        } else if ("error".equals(field)) {
          error = value == JsonToken.START_OBJECT ? readError(p) : p.getText();
        } else {
          p.skipChildren();
        }
      }
      if (error != null) {
        sink.failed(1, "ack " + index + ": " + error);
      } else if (offset < 0) {
        sink.failed(1, "ack " + index + " has no offset");
      } else {
        sink.acked(offset);
      }
    }

    private static String readError(JsonParser p) throws IOException {
      String code = null;
      String message = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("code".equals(field)) {
          code = p.getValueAsString();
        } else if ("message".equals(field)) {
          message = p.getValueAsString();
        } else {
          p.skipChildren();
        }
      }
      return code + ": " + message;
    }
  }
}
