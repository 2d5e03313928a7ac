/**
 * The {@code custos} command line: {@code run} serves the gateway a policy file describes, {@code demo} runs it in
 * front of an embedded database with sample data, {@code policy} checks policy files and hashes passwords for them.
 */
package io.custos.cli;
