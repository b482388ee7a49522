/// The aziot-identity-service release this build is compatible with, reported by `aziotd --version`, the daemons'
/// `Version - …` log line and `aziotctl --version`, and compared by `aziotctl check` (`aziot-version`).
public enum AziotVersion {
    public static let current = "1.6.0"
}
