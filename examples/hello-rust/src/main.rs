// A WAGI handler: CGI variables in the environment and the request body on stdin; a CGI reply
// (header lines, an empty line, the body) on stdout; stderr goes to the function's log.
use std::env;
use std::io::{self, Read, Write};

fn var(name: &str, fallback: &str) -> String {
    match env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => fallback.to_string(),
    }
}

fn main() -> io::Result<()> {
    let mut body = Vec::new();
    io::stdin().read_to_end(&mut body)?;

    let stdout = io::stdout();
    let mut out = stdout.lock();
    write!(out, "Content-Type: text/plain; charset=utf-8\n\n")?;
    // GREETING comes from waft.toml.
    writeln!(out, "{} from Rust!", var("GREETING", "Hello"))?;
    writeln!(out, "path: {}", var("PATH_INFO", "/"))?;
    writeln!(out, "query: {}", var("QUERY_STRING", ""))?;
    if !body.is_empty() {
        out.write_all(b"body: ")?;
        out.write_all(&body)?;
        out.write_all(b"\n")?;
    }
    eprintln!("{} {}", var("REQUEST_METHOD", "GET"), var("PATH_INFO", "/"));
    Ok(())
}
