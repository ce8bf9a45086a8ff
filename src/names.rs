//! Validated names: one place that turns what the user typed into the
//! package, module, type and environment-variable forms used by generators.

use heck::{ToKebabCase, ToPascalCase, ToShoutySnakeCase, ToSnakeCase, ToTitleCase};

/// Every Rust keyword, strict and reserved, in all editions.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Crates every Rust program can see; a package with one of these names
/// shadows it.
const RESERVED_CRATES: &[&str] = &["std", "core", "alloc", "test", "proc_macro"];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NameError {
    #[error("the {what} name is empty")]
    Empty { what: &'static str },
    #[error("invalid {what} name `{name}`: it starts with a digit, which Rust does not allow")]
    LeadingDigit { what: &'static str, name: String },
    #[error(
        "invalid {what} name `{name}`: character `{ch}` is not allowed; use ASCII letters, digits, `-` and `_`"
    )]
    BadChar {
        what: &'static str,
        name: String,
        ch: char,
    },
    #[error("invalid {what} name `{name}`: `{word}` is a Rust keyword")]
    Keyword {
        what: &'static str,
        name: String,
        word: String,
    },
    #[error("invalid {what} name `{name}`: it would shadow Rust's built-in `{word}` crate")]
    Reserved {
        what: &'static str,
        name: String,
        word: String,
    },
    #[error(
        "invalid {what} name `{name}`: the generated application depends on a crate with that name"
    )]
    Dependency { what: &'static str, name: String },
    #[error(
        "invalid {what} name `{name}`: it has no letters or digits, so it names no module; use a word such as `users`"
    )]
    NoLetters { what: &'static str, name: String },
    #[error(
        "invalid {what} name `{short}…`: it is {length} characters long; a name may have at most {MAX_NAME} (it becomes a file name)"
    )]
    TooLong {
        what: &'static str,
        short: String,
        length: usize,
    },
}

/// Longest name a generator takes: it becomes file names, type names and
/// URL segments, and file systems stop at 255 bytes.
pub const MAX_NAME: usize = 64;

fn check_length(raw: &str, what: &'static str) -> Result<(), NameError> {
    let length = raw.chars().count();
    if length > MAX_NAME {
        return Err(NameError::TooLong {
            what,
            short: raw.chars().take(24).collect(),
            length,
        });
    }
    Ok(())
}

/// A project (package) name: kebab-case for Cargo and the binary, with the
/// other spellings derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName {
    /// The package and binary name, e.g. `my-shop`.
    pub package: String,
    /// The library crate name, e.g. `my_shop`.
    pub krate: String,
    /// The environment-variable prefix, e.g. `MY_SHOP`.
    pub env_prefix: String,
    /// Human title, e.g. `My Shop`.
    pub title: String,
}

impl ProjectName {
    /// Validates `raw` as a package name. `dependencies` are the crates the
    /// generated project uses, which the package must not be named after.
    pub fn parse(raw: &str, dependencies: &[&str]) -> Result<Self, NameError> {
        const WHAT: &str = "project";
        check_word(raw, WHAT)?;
        let package = raw.to_kebab_case();
        let krate = package.to_snake_case();
        if package.is_empty() {
            return Err(NameError::Empty { what: WHAT });
        }
        if KEYWORDS.contains(&krate.as_str()) {
            return Err(NameError::Keyword {
                what: WHAT,
                name: raw.into(),
                word: krate,
            });
        }
        if RESERVED_CRATES.contains(&krate.as_str()) {
            return Err(NameError::Reserved {
                what: WHAT,
                name: raw.into(),
                word: krate,
            });
        }
        if dependencies.iter().any(|d| d.to_snake_case() == krate) {
            return Err(NameError::Dependency {
                what: WHAT,
                name: raw.into(),
            });
        }
        Ok(Self {
            env_prefix: package.to_shouty_snake_case(),
            title: package.to_title_case(),
            package,
            krate,
        })
    }
}

/// The character-level rules shared by every kind of name.
fn check_word(raw: &str, what: &'static str) -> Result<(), NameError> {
    let Some(first) = raw.chars().next() else {
        return Err(NameError::Empty { what });
    };
    if let Some(ch) = raw
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(NameError::BadChar {
            what,
            name: raw.into(),
            ch,
        });
    }
    if first.is_ascii_digit() {
        return Err(NameError::LeadingDigit {
            what,
            name: raw.into(),
        });
    }
    if KEYWORDS.contains(&raw) {
        return Err(NameError::Keyword {
            what,
            name: raw.into(),
            word: raw.into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(raw: &str) -> NameError {
        ProjectName::parse(raw, &["axum", "tower-http"]).unwrap_err()
    }

    #[test]
    fn derives_every_spelling() {
        let n = ProjectName::parse("MyShop", &[]).unwrap();
        assert_eq!(n.package, "my-shop");
        assert_eq!(n.krate, "my_shop");
        assert_eq!(n.env_prefix, "MY_SHOP");
        assert_eq!(n.title, "My Shop");
        let n = ProjectName::parse("blog_api", &[]).unwrap();
        assert_eq!(n.package, "blog-api");
    }

    #[test]
    fn rejects_bad_names() {
        assert!(matches!(err(""), NameError::Empty { .. }));
        assert!(matches!(err("fn"), NameError::Keyword { .. }));
        assert!(matches!(err("self"), NameError::Keyword { .. }));
        assert!(matches!(err("1abc"), NameError::LeadingDigit { .. }));
        assert!(matches!(err("a b"), NameError::BadChar { ch: ' ', .. }));
        assert!(matches!(err("café"), NameError::BadChar { ch: 'é', .. }));
        assert!(matches!(err("std"), NameError::Reserved { .. }));
        assert!(matches!(err("axum"), NameError::Dependency { .. }));
        assert!(matches!(err("tower_http"), NameError::Dependency { .. }));
    }
}

/// A resource name as generators take it: `users`, `Users`, `user-profiles`,
/// or namespaced `admin/users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceName {
    /// Module path segments, snake_case: `["admin", "users"]`.
    pub modules: Vec<String>,
    /// The type prefix: `Users`, `UserProfiles`.
    pub pascal: String,
    /// URL path below `/api`: `admin/users`, `user-profiles`.
    pub url: String,
}

impl ResourceName {
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        const WHAT: &str = "resource";
        if raw.is_empty() {
            return Err(NameError::Empty { what: WHAT });
        }
        if let Some(ch) = raw.chars().find(|c| *c == '\\' || *c == '.' || *c == ':') {
            return Err(NameError::BadChar {
                what: WHAT,
                name: raw.into(),
                ch,
            });
        }
        let mut modules = Vec::new();
        let mut url = Vec::new();
        for segment in raw.split('/') {
            if segment.is_empty() {
                return Err(NameError::BadChar {
                    what: WHAT,
                    name: raw.into(),
                    ch: '/',
                });
            }
            check_word(segment, WHAT).map_err(|e| match e {
                NameError::Keyword { word, .. } => NameError::Keyword {
                    what: WHAT,
                    name: raw.into(),
                    word,
                },
                other => other,
            })?;
            let snake = segment.to_snake_case();
            check_length(segment, WHAT)?;
            if snake.is_empty() {
                return Err(NameError::NoLetters {
                    what: WHAT,
                    name: raw.into(),
                });
            }
            if KEYWORDS.contains(&snake.as_str()) {
                return Err(NameError::Keyword {
                    what: WHAT,
                    name: raw.into(),
                    word: snake,
                });
            }
            url.push(segment.to_kebab_case());
            modules.push(snake);
        }
        let pascal = modules
            .last()
            .expect("at least one segment")
            .to_pascal_case();
        Ok(Self {
            modules,
            pascal,
            url: url.join("/"),
        })
    }

    /// `admin::users`
    pub fn module_path(&self) -> String {
        self.modules.join("::")
    }

    /// `admin/users`
    pub fn file_path(&self) -> String {
        self.modules.join("/")
    }
}

/// A controller action name: a snake_case identifier, not a keyword.
pub fn action_name(raw: &str) -> Result<String, NameError> {
    const WHAT: &str = "action";
    check_word(raw, WHAT)?;
    check_length(raw, WHAT)?;
    let snake = raw.to_snake_case();
    if snake.is_empty() {
        return Err(NameError::NoLetters {
            what: WHAT,
            name: raw.into(),
        });
    }
    if KEYWORDS.contains(&snake.as_str()) {
        return Err(NameError::Keyword {
            what: WHAT,
            name: raw.into(),
            word: snake,
        });
    }
    Ok(snake)
}

#[cfg(test)]
mod resource_tests {
    use super::*;

    #[test]
    fn normalises_and_namespaces() {
        let r = ResourceName::parse("Admin/user-profiles").unwrap();
        assert_eq!(r.modules, ["admin", "user_profiles"]);
        assert_eq!(r.pascal, "UserProfiles");
        assert_eq!(r.url, "admin/user-profiles");
        assert_eq!(ResourceName::parse("Users").unwrap().modules, ["users"]);
    }

    #[test]
    fn rejects_bad_resource_names() {
        for bad in [
            "", "fn", "1abc", "a b", "..", "../x", "/x", "x/", "a\\b", "naïve", "a//b", "x/impl",
            "_", "__", "-", "admin/_",
        ] {
            assert!(ResourceName::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(action_name("match").is_err());
        assert!(action_name("_").is_err());
        let long = "a".repeat(300);
        let err = ResourceName::parse(&long).unwrap_err().to_string();
        assert!(err.contains("300 characters"), "{err}");
        assert!(ModelName::parse(&long).is_err());
        assert_eq!(action_name("buyNow").unwrap(), "buy_now");
    }
}

/// A model name: `post`, `Post`, `blog_post`, `BlogPost` or a plural such as
/// `people`, always singular in code, plural for its table and URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelName {
    /// The module and the singular: `blog_post`, `person`.
    pub snake: String,
    /// The type: `BlogPost`, `Person`.
    pub pascal: String,
    /// The table and the controller module: `blog_posts`, `people`.
    pub plural: String,
    /// The URL segment: `blog-posts`, `people`.
    pub url: String,
}

impl ModelName {
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        const WHAT: &str = "model";
        check_word(raw, WHAT)?;
        check_length(raw, WHAT)?;
        if raw.to_snake_case().is_empty() {
            return Err(NameError::NoLetters {
                what: WHAT,
                name: raw.into(),
            });
        }
        let snake = inflect_last(&raw.to_snake_case(), 1);
        let plural = inflect_last(&snake, 2);
        for word in [&snake, &plural] {
            if KEYWORDS.contains(&word.as_str()) {
                return Err(NameError::Keyword {
                    what: WHAT,
                    name: raw.into(),
                    word: word.clone(),
                });
            }
        }
        Ok(Self {
            pascal: snake.to_pascal_case(),
            url: plural.to_kebab_case(),
            snake,
            plural,
        })
    }
}

/// The singular (`count` 1) or plural of the last word of a snake_case name,
/// with English irregulars: person → people, category → categories.
fn inflect_last(snake: &str, count: isize) -> String {
    let (head, last) = match snake.rsplit_once('_') {
        Some((head, last)) => (format!("{head}_"), last),
        None => (String::new(), snake),
    };
    format!("{head}{}", pluralizer::pluralize(last, count, false))
}

#[cfg(test)]
mod model_tests {
    use super::*;

    #[test]
    fn plurals_follow_english() {
        let cases = [
            ("post", "post", "posts", "Post"),
            ("Person", "person", "people", "Person"),
            ("category", "category", "categories", "Category"),
            ("BlogPost", "blog_post", "blog_posts", "BlogPost"),
            ("line_item", "line_item", "line_items", "LineItem"),
            ("people", "person", "people", "Person"),
            ("status", "status", "statuses", "Status"),
            ("address", "address", "addresses", "Address"),
            ("child", "child", "children", "Child"),
        ];
        for (raw, snake, plural, pascal) in cases {
            let m = ModelName::parse(raw).unwrap();
            assert_eq!(
                (m.snake.as_str(), m.plural.as_str()),
                (snake, plural),
                "{raw}"
            );
            assert_eq!(m.pascal, pascal);
        }
        assert_eq!(ModelName::parse("news_item").unwrap().url, "news-items");
    }

    #[test]
    fn rejects_bad_model_names() {
        for bad in ["", "fn", "1abc", "a b", "admin/users", "naïve", "a-b.c"] {
            assert!(ModelName::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
