package io.hawser.bench;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/** Where the node under test listens (HTTP and WebSocket share the port). */
record Endpoint(String host, int port) {

  /** Parses {@code http://host:port}; only loopback unless {@code allowRemote}, so a typo can't load someone else's server. */
  static Endpoint parse(String url, boolean allowRemote) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new BenchException("--url is not a URL: " + url);
    }
    if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new BenchException("--url must look like http://127.0.0.1:8080, got " + url);
    }
    int port = uri.getPort() == -1 ? 80 : uri.getPort();
    if (!allowRemote) {
      try {
        if (!InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
          throw new BenchException("--url " + url + " is not a loopback address; pass --allow-remote to load another host on purpose");
        }
      } catch (UnknownHostException e) {
        throw new BenchException("cannot resolve host of --url " + url);
      }
    }
    return new Endpoint(uri.getHost(), port);
  }

  @Override
  public String toString() {
    return "http://" + host + ":" + port;
  }
}
