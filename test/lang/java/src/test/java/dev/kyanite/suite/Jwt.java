package dev.kyanite.suite;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Base64url and JSON helpers for tokens and JWS values (parsed with azure-json, the SDK's own JSON library). */
final class Jwt {
    private Jwt() {}

    static String b64u(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static byte[] fromB64u(String text) {
        return Base64.getUrlDecoder().decode(text);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(byte[] utf8) {
        try (JsonReader reader = JsonProviders.createReader(utf8)) {
            return (Map<String, Object>) reader.readUntyped();
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + new String(utf8, StandardCharsets.UTF_8), e);
        }
    }

    static Map<String, Object> payload(String jws) {
        return json(fromB64u(jws.split("\\.")[1]));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
