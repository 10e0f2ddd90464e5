//! Pure generation of demo contacts from a seeded random number generator: no database here.
//!
//! The same seed gives the same sequence of companies and persons, whatever the machine or the
//! timing: ChaCha8 is a portable generator, and every choice draws from it in a fixed order.

use rand::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::data::{self, AddressStyle, Country, PostCodeStyle, COUNTRIES};

/// The seeded random number generator with the few draws demo data needs.
pub struct Rng(ChaCha8Rng);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0.gen_range(0..n)
    }

    /// A number in `from..=to`.
    pub fn between(&mut self, from: u32, to: u32) -> u32 {
        self.0.gen_range(from..=to)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.0.gen_bool(p)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A decimal digit string of `n` digits, the first one not 0 or 1.
    fn digits(&mut self, n: usize, out: &mut String) {
        for i in 0..n {
            let d = if i == 0 {
                self.between(2, 9)
            } else {
                self.between(0, 9)
            };
            out.push(char::from(b'0' + d as u8));
        }
    }
}

/// A weighted choice among `weights.len()` items.
#[derive(Clone, Debug)]
pub struct Weights {
    cumulative: Vec<u32>,
}

impl Weights {
    pub fn new(weights: impl IntoIterator<Item = u32>) -> Self {
        let mut total = 0u32;
        let cumulative: Vec<u32> = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        assert!(total > 0, "weights must not all be zero");
        Weights { cumulative }
    }

    /// Weights that favour the start of a list of `n`: item `i` weighs `scale / (i + offset)`.
    pub fn falling(n: usize, offset: u32) -> Self {
        Self::new((0..n as u32).map(|i| 10_000 / (i + offset)))
    }

    pub fn pick(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().unwrap_or(&1);
        let x = rng.0.gen_range(0..total);
        self.cumulative.partition_point(|&c| c <= x)
    }

    pub fn len(&self) -> usize {
        self.cumulative.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cumulative.is_empty()
    }
}

/// Up to `count` different items drawn by weight (fewer if the draws keep repeating).
fn distinct(rng: &mut Rng, weights: &Weights, count: usize, out: &mut Vec<usize>) {
    let count = count.min(weights.len());
    let mut tries = 0;
    while out.len() < count && tries < count * 8 {
        let i = weights.pick(rng);
        if !out.contains(&i) {
            out.push(i);
        }
        tries += 1;
    }
}

/// How many persons the next company gets, given how many contacts are still to make
/// (`remaining` includes the company itself). A company gets 1 to 20 persons, most only a few;
/// near the end the count is trimmed so the total comes out exactly, and a last company is
/// never left without persons (unless only one contact is asked for in all).
pub fn persons_for_next_company(rng: &mut Rng, weights: &Weights, remaining: u64) -> usize {
    let drawn = weights.pick(rng) + 1;
    fit_persons(drawn, remaining)
}

/// The trimming rule of [`persons_for_next_company`], without the draw.
pub fn fit_persons(drawn: usize, remaining: u64) -> usize {
    let available = remaining.saturating_sub(1); // contacts left for persons
    let mut k = (drawn as u64).min(available);
    // Leaving exactly one contact would make a last company with no persons.
    if available - k == 1 {
        if k < MAX_PERSONS as u64 {
            k += 1;
        } else {
            k -= 1;
        }
    }
    k as usize
}

pub const MAX_PERSONS: usize = 20;

/// Relative frequency of a company with 1, 2, … 20 persons (mean about 5).
const PERSON_COUNT_WEIGHTS: [u32; MAX_PERSONS] = [
    200, 180, 150, 120, 100, 80, 60, 50, 40, 35, 30, 25, 20, 18, 16, 14, 12, 10, 9, 8,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Company,
    Person,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Company => "company",
            Kind::Person => "person",
        }
    }
}

/// One generated contact with its classifications (as indexes into the `data` lists).
#[derive(Clone, Debug)]
pub struct Contact {
    pub kind: Kind,
    pub name: String,
    pub job_title: &'static str,
    pub address: String,
    pub address_2: String,
    pub city: &'static str,
    pub post_code: String,
    pub country: &'static str,
    pub phone: String,
    pub mobile: String,
    pub email: String,
    pub website: String,
    pub salesperson: Option<&'static str>,
    pub territory: Option<&'static str>,
    pub language: &'static str,
    /// `''`, `hard_copy` or `email`.
    pub correspondence: &'static str,
    pub organizational_level: Option<&'static str>,
    pub exclude_from_segment: bool,
    pub privacy_blocked: bool,
    pub industry_groups: Vec<usize>,
    pub business_relations: Vec<usize>,
    pub mailing_groups: Vec<usize>,
    pub job_responsibilities: Vec<usize>,
    /// (question, answer): indexes into [`questions`] and that question's answers.
    pub profile_answers: Vec<(usize, usize)>,
}

/// Every profile question of [`data::QUESTIONNAIRES`] in order: (questionnaire, question).
pub fn questions() -> Vec<(usize, usize)> {
    data::QUESTIONNAIRES
        .iter()
        .enumerate()
        .flat_map(|(q, questionnaire)| (0..questionnaire.questions.len()).map(move |i| (q, i)))
        .collect()
}

/// Share of contacts marked "exclude from segment" and "privacy blocked".
pub const EXCLUDED_SHARE: f64 = 0.02;
pub const PRIVACY_BLOCKED_SHARE: f64 = 0.005;

/// Makes companies and their persons, in order, until `total` contacts are made.
pub struct Generator {
    rng: Rng,
    remaining: u64,
    countries: Weights,
    cities: Vec<Weights>,
    surnames: Vec<Weights>,
    company_forms: Vec<Weights>,
    person_counts: Weights,
    industry_groups: Weights,
    business_relations: Weights,
    mailing_groups: Weights,
    job_titles: Weights,
    /// Per country, per territory code: the salespeople covering it.
    salespeople_by_territory: Vec<(&'static str, Vec<&'static str>)>,
    /// Index in the flat question list of the first question of each questionnaire.
    question_offsets: Vec<usize>,
    /// The answers' weights, per question of the flat list.
    answers: Vec<Weights>,
}

impl Generator {
    pub fn new(seed: u64, total: u64) -> Self {
        let territories = data::TERRITORIES
            .iter()
            .map(|(code, _)| {
                let people = data::SALESPEOPLE
                    .iter()
                    .filter(|(_, _, _, covers)| covers.contains(code))
                    .map(|(sp, _, _, _)| *sp)
                    .collect();
                (*code, people)
            })
            .collect();
        let mut offset = 0;
        let question_offsets = data::QUESTIONNAIRES
            .iter()
            .map(|q| {
                let start = offset;
                offset += q.questions.len();
                start
            })
            .collect();
        Generator {
            rng: Rng::new(seed),
            remaining: total,
            countries: Weights::new(COUNTRIES.iter().map(|c| c.weight)),
            // The first cities of a country (the capital, the big ones) are the busiest.
            cities: COUNTRIES
                .iter()
                .map(|c| Weights::falling(c.cities.len(), 2))
                .collect(),
            surnames: COUNTRIES
                .iter()
                .map(|c| Weights::falling(c.surnames.len(), 3))
                .collect(),
            company_forms: COUNTRIES
                .iter()
                .map(|c| Weights::new(c.company_forms.iter().map(|f| f.1)))
                .collect(),
            person_counts: Weights::new(PERSON_COUNT_WEIGHTS),
            industry_groups: Weights::new(data::INDUSTRY_GROUPS.iter().map(|g| g.2)),
            business_relations: Weights::new(data::BUSINESS_RELATIONS.iter().map(|r| r.2)),
            mailing_groups: Weights::new(data::MAILING_GROUPS.iter().map(|g| g.2)),
            job_titles: Weights::new(data::JOB_TITLES.iter().map(|t| t.1)),
            salespeople_by_territory: territories,
            question_offsets,
            answers: data::QUESTIONNAIRES
                .iter()
                .flat_map(|q| q.questions.iter())
                .map(|(_, _, answers)| Weights::new(answers.iter().map(|a| a.1)))
                .collect(),
        }
    }

    /// The next company and its persons, or `None` when all contacts are made.
    pub fn next_company(&mut self) -> Option<(Contact, Vec<Contact>)> {
        if self.remaining == 0 {
            return None;
        }
        let persons = persons_for_next_company(&mut self.rng, &self.person_counts, self.remaining);
        self.remaining -= 1 + persons as u64;
        let company = self.company(persons);
        let people = (0..persons).map(|_| self.person(&company)).collect();
        Some((company, people))
    }

    fn company(&mut self, persons: usize) -> Contact {
        let ci = self.countries.pick(&mut self.rng);
        let country = &COUNTRIES[ci];
        let city = &country.cities[self.cities[ci].pick(&mut self.rng)];
        let rng = &mut self.rng;

        let mut industry_groups = Vec::with_capacity(2);
        let groups = match rng.below(100) {
            0..=4 => 0,
            5..=84 => 1,
            _ => 2,
        };
        distinct(rng, &self.industry_groups, groups, &mut industry_groups);

        // The name, and the part of it that makes the web domain.
        let (form, _) = country.company_forms[self.company_forms[ci].pick(rng)];
        let trade_word = match industry_groups.first() {
            Some(&g) => *rng.pick(data::INDUSTRY_GROUPS[g].3),
            None => *rng.pick(&["Group", "Holding", "Solutions", "Company"]),
        };
        let core = match rng.below(100) {
            0..=29 => surname(rng, country, &self.surnames[ci]).to_string(),
            30..=44 => {
                let a = surname(rng, country, &self.surnames[ci]);
                let mut b = surname(rng, country, &self.surnames[ci]);
                if a == b {
                    b = *rng.pick(country.surnames);
                }
                format!("{a} & {b}")
            }
            45..=79 => format!("{} {trade_word}", rng.pick(data::NAME_PREFIXES)),
            _ => format!("{} {trade_word}", short_city(city.name)),
        };
        let name = truncate(format!("{core} {form}"), 100);
        let domain = format!("{}.{}", slug(&core, '-'), country.top_level_domain);

        let mut address_2 = String::new();
        if country.address_style == AddressStyle::NumberStreet && rng.chance(0.15) {
            address_2 = match rng.below(3) {
                0 => format!("Suite {}", rng.between(1, 9) * 100 + rng.between(0, 20)),
                1 => format!("Floor {}", rng.between(2, 30)),
                _ => format!("Unit {}", rng.between(1, 40)),
            };
        }
        let address = street_address(rng, country);
        let post_code = post_code(rng, country, city);
        let phone = phone(rng, country, city.area);

        let territory = if rng.chance(0.02) {
            None
        } else {
            Some(city.territory)
        };
        let salesperson = match rng.below(100) {
            0..=2 => None,
            3..=6 => Some(rng.pick(data::SALESPEOPLE).0),
            _ => {
                let covering = self
                    .salespeople_by_territory
                    .iter()
                    .find(|(t, _)| *t == city.territory)
                    .map(|(_, people)| people.as_slice())
                    .unwrap_or_default();
                if covering.is_empty() {
                    Some(rng.pick(data::SALESPEOPLE).0)
                } else {
                    Some(*rng.pick(covering))
                }
            }
        };
        let correspondence = match rng.below(100) {
            0..=54 => "email",
            55..=74 => "hard_copy",
            _ => "",
        };

        let mut business_relations = Vec::with_capacity(2);
        let relations = match rng.below(100) {
            0..=1 => 0,
            2..=89 => 1,
            _ => 2,
        };
        distinct(
            rng,
            &self.business_relations,
            relations,
            &mut business_relations,
        );

        let mut contact = Contact {
            kind: Kind::Company,
            name,
            job_title: "",
            address,
            address_2,
            city: city.name,
            post_code,
            country: country.code,
            phone,
            mobile: String::new(),
            email: format!("{}@{domain}", country.general_mailbox),
            website: format!("www.{domain}"),
            salesperson,
            territory,
            language: country.language,
            correspondence,
            organizational_level: None,
            exclude_from_segment: false,
            privacy_blocked: false,
            industry_groups,
            business_relations,
            mailing_groups: Vec::new(),
            job_responsibilities: Vec::new(),
            profile_answers: Vec::new(),
        };
        self.common(&mut contact, Some(persons));
        contact
    }

    fn person(&mut self, company: &Contact) -> Contact {
        let ci = COUNTRIES
            .iter()
            .position(|c| c.code == company.country)
            .unwrap_or(0);
        let country = &COUNTRIES[ci];
        let rng = &mut self.rng;
        let first = *rng.pick(country.first_names);
        let last = surname(rng, country, &self.surnames[ci]);
        let name = truncate(format!("{first} {last}"), 100);
        let domain = company.website.trim_start_matches("www.");
        let (f, l) = (slug(first, '-'), slug(last, '-').replace('-', ""));
        let initial = |s: &str| s.chars().next().unwrap_or('x');
        let email = match rng.below(100) {
            0..=59 => format!("{f}.{l}@{domain}"),
            60..=79 => format!("{}.{l}@{domain}", initial(&f)),
            80..=89 => format!("{f}{}@{domain}", initial(&l)),
            _ => format!("{f}@{domain}"),
        };
        let city = country
            .cities
            .iter()
            .find(|c| c.name == company.city)
            .map(|c| c.area)
            .unwrap_or("");
        let phone = if rng.chance(0.5) {
            company.phone.clone()
        } else {
            phone(rng, country, city)
        };
        let mobile = if rng.chance(0.8) {
            mobile(rng, country, city)
        } else {
            String::new()
        };
        let (job_title, level, responsibility) = if rng.chance(0.95) {
            let (title, _, level, responsibility) = data::JOB_TITLES[self.job_titles.pick(rng)];
            (title, Some(level), Some(responsibility))
        } else {
            ("", None, None)
        };
        let organizational_level = if rng.chance(0.9) { level } else { None };
        let mut job_responsibilities = Vec::with_capacity(2);
        if let Some(code) = responsibility {
            if rng.chance(0.85) {
                if let Some(i) = data::JOB_RESPONSIBILITIES
                    .iter()
                    .position(|(c, _)| *c == code)
                {
                    job_responsibilities.push(i);
                }
            }
        }
        let extra = if job_title.is_empty() { 0.3 } else { 0.15 };
        if rng.chance(extra) {
            let i = rng.below(data::JOB_RESPONSIBILITIES.len());
            if !job_responsibilities.contains(&i) {
                job_responsibilities.push(i);
            }
        }
        let correspondence = match rng.below(100) {
            0..=74 => "email",
            75..=84 => "hard_copy",
            _ => "",
        };
        let mut contact = Contact {
            kind: Kind::Person,
            name,
            job_title,
            address: company.address.clone(),
            address_2: company.address_2.clone(),
            city: company.city,
            post_code: company.post_code.clone(),
            country: company.country,
            phone,
            mobile,
            email,
            website: String::new(),
            salesperson: company.salesperson,
            territory: company.territory,
            language: company.language,
            correspondence,
            organizational_level,
            exclude_from_segment: false,
            privacy_blocked: false,
            industry_groups: Vec::new(),
            business_relations: Vec::new(),
            mailing_groups: Vec::new(),
            job_responsibilities,
            profile_answers: Vec::new(),
        };
        self.common(&mut contact, None);
        contact
    }

    /// Mailing groups, profile answers and the two flags, for any contact.
    fn common(&mut self, contact: &mut Contact, persons: Option<usize>) {
        let rng = &mut self.rng;
        let groups = match rng.below(100) {
            0..=39 => 0,
            40..=74 => 1,
            75..=91 => 2,
            _ => 3,
        };
        distinct(
            rng,
            &self.mailing_groups,
            groups,
            &mut contact.mailing_groups,
        );

        for (qi, questionnaire) in data::QUESTIONNAIRES.iter().enumerate() {
            if questionnaire.contact_type != contact.kind.as_str() {
                continue;
            }
            let mut size = None;
            for (i, (description, share, answers)) in questionnaire.questions.iter().enumerate() {
                if !rng.chance(*share) {
                    continue;
                }
                let question = self.question_offsets[qi] + i;
                let weighted = self.answers[question].pick(rng);
                let answer = match (*description, persons) {
                    // The size follows the number of persons known at the company, mostly.
                    ("Company size", Some(n)) => {
                        let guess = match n {
                            0..=4 => 0,
                            5..=11 => 1,
                            _ => 2,
                        };
                        let a = if rng.chance(0.8) { guess } else { weighted };
                        size = Some(a);
                        a
                    }
                    // Revenue follows the size when that was answered.
                    ("Annual revenue", _) => match size {
                        Some(s) if rng.chance(0.7) => (s + rng.below(2)).min(answers.len() - 1),
                        _ => weighted,
                    },
                    _ => weighted,
                };
                contact.profile_answers.push((question, answer));
            }
        }
        contact.exclude_from_segment = rng.chance(EXCLUDED_SHARE);
        contact.privacy_blocked = rng.chance(PRIVACY_BLOCKED_SHARE);
    }
}

fn surname(rng: &mut Rng, country: &Country, weights: &Weights) -> &'static str {
    country.surnames[weights.pick(rng)]
}

fn street_address(rng: &mut Rng, country: &Country) -> String {
    let street = rng.pick(country.streets);
    let number = if rng.chance(0.7) {
        rng.between(1, 60)
    } else {
        rng.between(61, 400)
    };
    match country.address_style {
        AddressStyle::StreetNumber => format!("{street} {number}"),
        AddressStyle::NumberStreet => format!("{number} {street}"),
        AddressStyle::NumberCommaStreet => format!("{number}, {street}"),
    }
}

/// A post code of `city` written the way its country writes them.
pub fn post_code(rng: &mut Rng, country: &Country, city: &data::City) -> String {
    let (from, to) = city.post_codes;
    let n = rng.between(from, to);
    match country.post_code_style {
        PostCodeStyle::Digits(width) => format!("{n:0width$}"),
        PostCodeStyle::SplitFive => format!("{:03} {:02}", n / 100, n % 100),
        PostCodeStyle::DigitsLetters => {
            // Dutch post codes never use the letter pairs SA, SD and SS.
            const LETTERS: &[u8] = b"ABCEGHJKLMNPRTVWXZ";
            let a = *rng.pick(LETTERS) as char;
            let b = *rng.pick(LETTERS) as char;
            format!("{n:04} {a}{b}")
        }
        PostCodeStyle::British => {
            const INWARD: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
            let outward = data::BRITISH_OUTWARD[(n as usize).min(data::BRITISH_OUTWARD.len() - 1)];
            let digit = rng.between(1, 9);
            let a = *rng.pick(INWARD) as char;
            let b = *rng.pick(INWARD) as char;
            format!("{outward} {digit}{a}{b}")
        }
    }
}

fn grouped(rng: &mut Rng, groups: &[usize], out: &mut String) {
    for (i, &n) in groups.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut part = String::with_capacity(n);
        rng.digits(n, &mut part);
        out.push_str(&part);
    }
}

/// A landline number: `+45 33 12 34 56`, `+49 89 4123456`, `+1 212 555 0199`.
pub fn phone(rng: &mut Rng, country: &Country, area: &str) -> String {
    let mut out = String::with_capacity(20);
    out.push_str(country.dial);
    out.push(' ');
    if !area.is_empty() {
        out.push_str(area);
        out.push(' ');
    }
    grouped(rng, country.phone_groups, &mut out);
    out
}

/// A mobile number: `+45 20 12 34 56`, `+49 151 23456789`; in the US, an area code.
pub fn mobile(rng: &mut Rng, country: &Country, area: &str) -> String {
    let mut out = String::with_capacity(20);
    out.push_str(country.dial);
    out.push(' ');
    if country.mobile_prefixes.is_empty() {
        out.push_str(area);
    } else {
        let prefix = *rng.pick(country.mobile_prefixes);
        out.push_str(prefix);
    }
    out.push(' ');
    grouped(rng, country.mobile_groups, &mut out);
    out
}

/// A city's name as a company would use it: `København K` → `København`,
/// `New York, NY` → `New York`.
pub fn short_city(name: &str) -> String {
    let base = name.split(',').next().unwrap_or(name);
    base.split_whitespace()
        .filter(|w| w.chars().count() > 1)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lower-case ASCII for e-mail addresses and domains: letters and digits kept, Nordic and
/// accented letters spelt out (`ø` → `oe`, `é` → `e`), every run of other characters becomes
/// one `sep` (none at the ends).
pub fn slug(text: &str, sep: char) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut pending = false;
    for ch in text.chars().flat_map(char::to_lowercase) {
        let spelt: &str = match ch {
            'a'..='z' | '0'..='9' => {
                if pending && !out.is_empty() {
                    out.push(sep);
                }
                pending = false;
                out.push(ch);
                continue;
            }
            'æ' | 'ä' => "ae",
            'ø' | 'ö' => "oe",
            'å' => "aa",
            'ü' => "ue",
            'ß' => "ss",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'à' | 'á' | 'â' => "a",
            'í' | 'î' | 'ï' => "i",
            'ó' | 'ô' => "o",
            'ú' | 'û' | 'ù' => "u",
            'ç' => "c",
            'ñ' => "n",
            _ => {
                pending = true;
                continue;
            }
        };
        if pending && !out.is_empty() {
            out.push(sep);
        }
        pending = false;
        out.push_str(spelt);
    }
    out
}

fn truncate(mut s: String, max_chars: usize) -> String {
    if let Some((i, _)) = s.char_indices().nth(max_chars) {
        s.truncate(i);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_spell_out_nordic_and_accented_letters() {
        assert_eq!(slug("Jørgensen & Søn", '-'), "joergensen-soen");
        assert_eq!(slug("Müller Straße", '-'), "mueller-strasse");
        assert_eq!(slug("Lefèbvre", '-'), "lefebvre");
        assert_eq!(slug("  de Jong  ", '.'), "de.jong");
        assert_eq!(slug("Åsa", '-'), "aasa");
        assert_eq!(slug("&&", '-'), "");
    }

    #[test]
    fn short_city_names_drop_districts_and_states() {
        assert_eq!(short_city("København K"), "København");
        assert_eq!(short_city("New York, NY"), "New York");
        assert_eq!(short_city("Frankfurt am Main"), "Frankfurt am Main");
    }

    #[test]
    fn persons_are_trimmed_so_the_total_comes_out_exactly() {
        // Plenty left: the draw stands.
        assert_eq!(fit_persons(7, 1000), 7);
        // Exactly enough for the company and its persons.
        assert_eq!(fit_persons(7, 8), 7);
        // Not enough: the company takes all that is left.
        assert_eq!(fit_persons(7, 5), 4);
        // One contact would be left over as a company without persons: take it too.
        assert_eq!(fit_persons(7, 9), 8);
        assert_eq!(fit_persons(7, 10), 7);
        // …unless that would pass 20 persons: then leave two (a company and one person).
        assert_eq!(fit_persons(20, 22), 19);
        assert_eq!(fit_persons(20, 23), 20);
        // A single contact in all: a company on its own.
        assert_eq!(fit_persons(3, 1), 0);
        assert_eq!(fit_persons(3, 2), 1);
    }

    #[test]
    fn companies_have_one_to_twenty_persons_and_the_total_is_exact() {
        for total in [1u64, 2, 3, 21, 22, 23, 300, 1001] {
            let mut g = Generator::new(7, total);
            let mut made = 0;
            let mut companies = 0;
            while let Some((_, persons)) = g.next_company() {
                companies += 1;
                made += 1 + persons.len() as u64;
                if total > 1 {
                    assert!((1..=MAX_PERSONS).contains(&persons.len()), "total {total}");
                }
            }
            assert_eq!(made, total);
            assert!(companies >= 1);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_contacts() {
        let names = |seed| {
            let mut g = Generator::new(seed, 200);
            let mut out = Vec::new();
            while let Some((c, ps)) = g.next_company() {
                out.push(format!(
                    "{}|{}|{}|{:?}",
                    c.name, c.email, c.post_code, c.industry_groups
                ));
                out.extend(ps.into_iter().map(|p| format!("{}|{}", p.name, p.email)));
            }
            out
        };
        assert_eq!(names(1), names(1));
        assert_ne!(names(1), names(2));
    }

    #[test]
    fn persons_work_at_their_company_s_address_and_domain() {
        let mut g = Generator::new(3, 500);
        while let Some((company, persons)) = g.next_company() {
            assert_eq!(company.kind, Kind::Company);
            let domain = company.website.trim_start_matches("www.");
            assert!(company.email.ends_with(&format!("@{domain}")));
            assert!(company.job_responsibilities.is_empty());
            for p in persons {
                assert_eq!(p.kind, Kind::Person);
                assert!(p.email.ends_with(&format!("@{domain}")), "{}", p.email);
                assert!(p.email.is_ascii());
                assert_eq!((p.city, p.country), (company.city, company.country));
                assert!(p.industry_groups.is_empty() && p.business_relations.is_empty());
            }
        }
    }

    #[test]
    fn post_codes_follow_each_country_s_format() {
        let mut rng = Rng::new(1);
        let country = |code| COUNTRIES.iter().find(|c| c.code == code).unwrap();
        for _ in 0..50 {
            let dk = country("DK");
            let pc = post_code(&mut rng, dk, &dk.cities[0]);
            assert!(
                pc.len() == 4 && pc.chars().all(|c| c.is_ascii_digit()),
                "{pc}"
            );
            let nl = country("NL");
            let pc = post_code(&mut rng, nl, &nl.cities[0]);
            assert_eq!(pc.len(), 7, "{pc}");
            assert!(pc[..4].chars().all(|c| c.is_ascii_digit()) && &pc[4..5] == " ");
            let se = country("SE");
            let pc = post_code(&mut rng, se, &se.cities[0]);
            assert!(pc.len() == 6 && &pc[3..4] == " ", "{pc}");
            let gb = country("GB");
            let pc = post_code(&mut rng, gb, &gb.cities[1]);
            assert!(pc.starts_with('M') && pc.contains(' '), "{pc}");
            let de = country("DE");
            let pc = post_code(&mut rng, de, &de.cities[4]); // Leipzig: 04103…
            assert!(pc.len() == 5 && pc.starts_with('0'), "{pc}");
        }
    }

    #[test]
    fn phone_numbers_have_the_country_prefix_and_area() {
        let mut rng = Rng::new(1);
        let de = COUNTRIES.iter().find(|c| c.code == "DE").unwrap();
        let p = phone(&mut rng, de, "89");
        assert!(
            p.starts_with("+49 89 ") && p.len() == "+49 89 1234567".len(),
            "{p}"
        );
        let us = COUNTRIES.iter().find(|c| c.code == "US").unwrap();
        let m = mobile(&mut rng, us, "212");
        assert!(
            m.starts_with("+1 212 ") && m.len() == "+1 212 555 0199".len(),
            "{m}"
        );
    }

    #[test]
    fn weights_favour_the_heavy_items() {
        let w = Weights::new([90, 10, 0]);
        let mut rng = Rng::new(9);
        let mut seen = [0; 3];
        for _ in 0..10_000 {
            seen[w.pick(&mut rng)] += 1;
        }
        assert_eq!(seen[2], 0);
        assert!(seen[0] > 8_500 && seen[1] > 700, "{seen:?}");
    }

    #[test]
    fn setup_lists_hold_valid_codes_and_references() {
        let valid = |code: &str| {
            !code.is_empty()
                && code.len() <= 20
                && code == code.to_uppercase()
                && !code.contains(char::is_whitespace)
        };
        let territories: Vec<&str> = data::TERRITORIES.iter().map(|t| t.0).collect();
        for (code, _, _, covers) in data::SALESPEOPLE {
            assert!(valid(code));
            assert!(covers.iter().all(|t| territories.contains(t)));
        }
        for country in COUNTRIES {
            assert!(country
                .cities
                .iter()
                .all(|c| territories.contains(&c.territory)));
        }
        let levels: Vec<&str> = data::ORGANIZATIONAL_LEVELS.iter().map(|l| l.0).collect();
        let resp: Vec<&str> = data::JOB_RESPONSIBILITIES.iter().map(|r| r.0).collect();
        for (_, _, level, r) in data::JOB_TITLES {
            assert!(levels.contains(level) && resp.contains(r));
        }
        let codes = data::INDUSTRY_GROUPS
            .iter()
            .map(|g| g.0)
            .chain(data::BUSINESS_RELATIONS.iter().map(|r| r.0))
            .chain(data::MAILING_GROUPS.iter().map(|g| g.0))
            .chain(resp.iter().copied())
            .chain(levels.iter().copied())
            .chain(territories.iter().copied());
        for code in codes {
            assert!(valid(code), "{code}");
        }
        assert_eq!(data::INDUSTRY_GROUPS.len(), 40);
    }
}
