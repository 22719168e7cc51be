/**
 * JSON forms of the model (API.md), shared by the HTTP edge and metadata persistence. Parsing is strict: unknown
 * keys and wrong types are {@code 400} errors naming the field. Runs on whatever thread calls it; stateless.
 */
package io.hawser.json;
