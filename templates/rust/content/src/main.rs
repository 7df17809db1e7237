// A WAGI handler: the request arrives as CGI environment variables and the body on stdin;
// the reply is CGI on stdout: header lines, an empty line, then the body.
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
    writeln!(out, "Hello from {}! (Rust)", "{{app-name}}")?;
    writeln!(out, "method: {}", var("REQUEST_METHOD", "GET"))?;
    writeln!(out, "path: {}", var("PATH_INFO", "/"))?;
    writeln!(out, "query: {}", var("QUERY_STRING", ""))?;
    // Echo the request body, if there is one.
    if !body.is_empty() {
        out.write_all(b"body: ")?;
        out.write_all(&body)?;
        out.write_all(b"\n")?;
    }
    // stderr goes to the function's log.
    eprintln!("served {}", var("PATH_INFO", "/"));
    Ok(())
}
