import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

/**
 * Run as `java TrustProbe.java URL` after the Java lines that `kyanite trust` prints: the JVM gets its truststore
 * from JAVA_TOOL_OPTIONS alone, and the TLS handshake with Kyanite must pass. Prints the HTTP status.
 */
public class TrustProbe {
    public static void main(String[] args) throws Exception {
        HttpsURLConnection conn = (HttpsURLConnection) new URL(args[0]).openConnection();
        System.out.println("status " + conn.getResponseCode());
    }
}
