/// The version `intake --version` prints.
public enum IntakeVersion {
    public static let string = "0.1.0"
}
