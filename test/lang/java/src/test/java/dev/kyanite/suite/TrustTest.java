package dev.kyanite.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** The truststore the setup builds from ca.pem, and the two HTTP stacks a Java program has, trusting it. */
class TrustTest {
    @Test
    void truststoreHoldsKyanitesCa() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Kyanite.TRUSTSTORE)) {
            store.load(in, Kyanite.TRUSTSTORE_PASSWORD.toCharArray());
        }
        assertEquals(Kyanite.caCertificate(), store.getCertificate("kyanite"));
        assertEquals(Kyanite.TRUSTSTORE.toString(), System.getProperty("javax.net.ssl.trustStore"));
    }

    @Test
    void jdkHttpsTrustsKyaniteThroughTheSystemProperties() throws Exception {
        HttpsURLConnection conn = (HttpsURLConnection) new URL(Kyanite.URL + "/metadata/endpoints?api-version=2022-09-01").openConnection();
        assertEquals(200, conn.getResponseCode());
        conn.disconnect();
    }

    @Test
    void theSdksDefaultNettyClientTrustsKyaniteThroughTheSystemProperties() {
        HttpClient netty = HttpClient.createDefault();
        assertTrue(netty.getClass().getName().contains("Netty"), netty.getClass().getName());
        try (HttpResponse res = netty.sendSync(new HttpRequest(HttpMethod.GET, Kyanite.URL + "/metadata/endpoints?api-version=2022-09-01"), com.azure.core.util.Context.NONE)) {
            assertEquals(200, res.getStatusCode());
        }
    }

    @Test
    void withoutKyanitesCaTheHandshakeFails() throws Exception {
        // The JDK's own CA list only: Kyanite's certificate must not be trusted by accident (e.g. through the OS store).
        KeyStore jdkDefault = KeyStore.getInstance(KeyStore.getDefaultType());
        try (InputStream in = Files.newInputStream(Path.of(System.getProperty("java.home"), "lib", "security", "cacerts"))) {
            jdkDefault.load(in, null);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(jdkDefault);
        var ssl = SslContextBuilder.forClient().trustManager(tmf).build();
        HttpClient client = new NettyAsyncHttpClientBuilder(reactor.netty.http.client.HttpClient.create().secure(spec -> spec.sslContext(ssl)))
            .responseTimeout(Duration.ofSeconds(20))
            .build();
        Exception e = assertThrows(Exception.class, () -> client.sendSync(new HttpRequest(HttpMethod.GET, Kyanite.URL + "/metadata/endpoints"), com.azure.core.util.Context.NONE).close());
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        assertTrue(String.valueOf(root).toLowerCase().contains("certification path") || String.valueOf(root).toLowerCase().contains("pkix"), String.valueOf(root));
    }
}
