/**
 * Node configuration: typed, validated once at start-up from {@code conf/hawser.json}, environment variables and
 * command-line flags (flags win over env, env over the file). Unknown keys are an error naming the key.
 */
package io.hawser.config;
