// jenkinsci/stapler@1903.1905.ve5a_f469356f0 core/src/main/java/org/kohsuke/stapler/HttpResponseException.java (type only)
package org.kohsuke.stapler;
public abstract class HttpResponseException extends RuntimeException implements HttpResponse {}
