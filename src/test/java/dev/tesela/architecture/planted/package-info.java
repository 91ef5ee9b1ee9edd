/**
 * Violations planted for {@code ArchitectureTest}: a miniature product (platform, storage port, features, App) in
 * which each rule of {@code ArchitectureRules} has something to catch, next to look-alikes it must let pass. Never
 * used at run time; the real rules exclude the test tree, so these classes cannot fail them.
 */
package dev.tesela.architecture.planted;
