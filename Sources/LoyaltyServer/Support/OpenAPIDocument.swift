import Foundation

/// The bundled `openapi.yaml`, served at `/openapi.yaml`.
public enum OpenAPIDocument {
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"), let s = try? String(contentsOf: url, encoding: .utf8) else {
            return "openapi: 3.1.0\n"
        }
        return s
    }()
}
