/**
 * The HTTP/WebSocket edge (API.md): parses and validates requests, sends typed event-bus messages, renders JSON
 * answers and errors. Holds no log logic. Runs on event loops (one verticle instance per loop); never blocks.
 */
package io.hawser.http;
