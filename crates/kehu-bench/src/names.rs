//! Realistic company names and the ids derived from them.
//!
//! A name is a brand word typical of the customer's region ("Zhongshan",
//! "Nordwind", "Acme") and a noun typical of its industry ("Steel",
//! "Logistics", "Labs"), sometimes with a legal form. The id is the name
//! without its legal form, lowercased to `[a-z0-9-]`. When an id is taken a
//! qualifier ("Group", "Holdings") or a city is added, then a number.

use std::collections::HashSet;

use crate::rng::Rng;

/// The six regions of the template policy, with their brand words, cities and
/// legal forms.
pub const REGIONS: [&str; 6] = ["north", "south", "east", "west", "central", "overseas"];

/// The ten industries of the template policy.
pub const INDUSTRIES: [&str; 10] = [
    "manufacturing",
    "retail",
    "logistics",
    "software",
    "healthcare",
    "finance",
    "energy",
    "construction",
    "education",
    "food",
];

fn brands(region: &str) -> &'static [&'static str] {
    match region {
        "north" => &[
            "Nordwind",
            "Fjordlys",
            "Polaris",
            "Birkenhof",
            "Eisberg",
            "Skagen",
            "Lindholm",
            "Vinterhav",
            "Nordlicht",
            "Hallstrom",
            "Kvarn",
            "Storfjell",
            "Alvar",
            "Bjorkman",
            "Dahlgren",
            "Frostvik",
            "Granlund",
            "Hedlund",
            "Isfjord",
            "Jarnvik",
            "Kallberg",
            "Lofoten",
            "Moberg",
            "Norrland",
            "Rimfrost",
            "Sandvik",
            "Tornvik",
            "Ulvik",
            "Vestby",
            "Aurora",
        ],
        "south" => &[
            "Solano",
            "Meridiana",
            "Costa Azul",
            "Vega",
            "Bellavista",
            "Alegria",
            "Sol y Mar",
            "Terranova",
            "Montalvo",
            "Brisa",
            "Calabria",
            "Dorado",
            "Estrella",
            "Girasol",
            "Horizonte",
            "Isla",
            "Jacaranda",
            "Laguna",
            "Marbella",
            "Navarra",
            "Oliva",
            "Palmera",
            "Quinta",
            "Rivera",
            "Salinas",
            "Toledo",
            "Umbria",
            "Valencia",
            "Zafra",
            "Mistral",
        ],
        "east" => &[
            "Zhongshan",
            "Huaxin",
            "Dongfang",
            "Jinlong",
            "Tianhe",
            "Hengyuan",
            "Baoli",
            "Xinhua",
            "Longmen",
            "Haitian",
            "Minsheng",
            "Ruifeng",
            "Shenghe",
            "Yongtai",
            "Changjiang",
            "Guanghua",
            "Jiahe",
            "Kunlun",
            "Lianyi",
            "Mingda",
            "Qianhai",
            "Sanxing",
            "Taihu",
            "Wanfeng",
            "Xinyuan",
            "Yuanda",
            "Zhenhua",
            "Fuxing",
            "Hongda",
            "Jinyu",
        ],
        "west" => &[
            "Acme",
            "Westbrook",
            "Redwood",
            "Silverline",
            "Bluewater",
            "Ironbridge",
            "Oakridge",
            "Harborview",
            "Pinecrest",
            "Stonegate",
            "Summit",
            "Trailhead",
            "Canyon",
            "Driftwood",
            "Evergreen",
            "Falcon",
            "Goldfield",
            "Highland",
            "Juniper",
            "Keystone",
            "Lakeside",
            "Maple",
            "Northgate",
            "Pacific",
            "Quarry",
            "Riverside",
            "Sagebrush",
            "Timberline",
            "Union",
            "Wildrose",
        ],
        "central" => &[
            "Mitteland",
            "Donau",
            "Karpat",
            "Bohemia",
            "Moravia",
            "Tatra",
            "Vltava",
            "Krakow",
            "Brno",
            "Linz",
            "Graz",
            "Salzach",
            "Elbe",
            "Oder",
            "Pannonia",
            "Balaton",
            "Zipser",
            "Sudety",
            "Danubia",
            "Slavia",
            "Hradec",
            "Olomouc",
            "Plzen",
            "Kosice",
            "Zilina",
            "Ostrava",
            "Liberec",
            "Tabor",
            "Opava",
            "Budweis",
        ],
        _ => &[
            "Pacifica",
            "Atlas",
            "Kilimanjaro",
            "Andes",
            "Sahara",
            "Sunda",
            "Mekong",
            "Coral",
            "Tasman",
            "Zambezi",
            "Nile",
            "Amazonia",
            "Borneo",
            "Caribe",
            "Equator",
            "Fiji",
            "Ganges",
            "Kalahari",
            "Lagos",
            "Mombasa",
            "Nairobi",
            "Orinoco",
            "Patagonia",
            "Rio",
            "Serengeti",
            "Tigris",
            "Uluru",
            "Victoria",
            "Yukon",
            "Zanzibar",
        ],
    }
}

fn cities(region: &str) -> &'static [&'static str] {
    match region {
        "north" => &[
            "Bergen", "Oslo", "Uppsala", "Aarhus", "Tromso", "Turku", "Malmo", "Kiel",
        ],
        "south" => &[
            "Sevilla", "Porto", "Napoli", "Malaga", "Bari", "Murcia", "Faro", "Nice",
        ],
        "east" => &[
            "Suzhou", "Ningbo", "Wuxi", "Xiamen", "Qingdao", "Dalian", "Hefei", "Fuzhou",
        ],
        "west" => &[
            "Portland", "Denver", "Boise", "Tacoma", "Reno", "Fresno", "Eugene", "Provo",
        ],
        "central" => &[
            "Praha",
            "Wien",
            "Bratislava",
            "Krems",
            "Kolin",
            "Pecs",
            "Gyor",
            "Trnava",
        ],
        _ => &[
            "Lima", "Accra", "Perth", "Manila", "Quito", "Dakar", "Cebu", "Durban",
        ],
    }
}

fn legal_forms(region: &str) -> &'static [&'static str] {
    match region {
        "north" => &["AB", "AS", "GmbH", "Oy"],
        "south" => &["S.A.", "S.L.", "S.p.A.", "Lda."],
        "east" => &["Co., Ltd.", "Group Co., Ltd."],
        "west" => &["Inc.", "LLC", "Ltd", "Corp."],
        "central" => &["s.r.o.", "GmbH", "a.s.", "Kft."],
        _ => &["Ltd", "Pty Ltd", "Ltda.", "PLC"],
    }
}

fn nouns(industry: &str) -> &'static [&'static str] {
    match industry {
        "manufacturing" => &[
            "Steel",
            "Machinery",
            "Plastics",
            "Tooling",
            "Components",
            "Metalworks",
            "Precision",
            "Castings",
        ],
        "retail" => &[
            "Stores",
            "Mart",
            "Outfitters",
            "Boutiques",
            "Supply",
            "Retail",
            "Markets",
            "Home",
        ],
        "logistics" => &[
            "Logistics",
            "Freight",
            "Shipping",
            "Transport",
            "Cargo",
            "Express",
            "Haulage",
            "Forwarding",
        ],
        "software" => &[
            "Labs",
            "Software",
            "Systems",
            "Digital",
            "Cloud",
            "Analytics",
            "Networks",
            "Code",
        ],
        "healthcare" => &[
            "Health",
            "Medical",
            "Clinics",
            "Pharma",
            "Care",
            "Diagnostics",
            "Biotech",
            "Dental",
        ],
        "finance" => &[
            "Capital",
            "Finance",
            "Partners",
            "Insurance",
            "Invest",
            "Bank",
            "Leasing",
            "Credit",
        ],
        "energy" => &[
            "Energy",
            "Power",
            "Solar",
            "Grid",
            "Wind",
            "Hydro",
            "Fuels",
            "Utilities",
        ],
        "construction" => &[
            "Construction",
            "Builders",
            "Concrete",
            "Engineering",
            "Homes",
            "Structures",
            "Roofing",
            "Civil",
        ],
        "education" => &[
            "Academy",
            "Learning",
            "Institute",
            "Education",
            "School",
            "Training",
            "College",
            "Tutors",
        ],
        _ => &[
            "Foods",
            "Dairy",
            "Bakery",
            "Brewing",
            "Farms",
            "Kitchen",
            "Coffee",
            "Provisions",
        ],
    }
}

const QUALIFIERS: [&str; 12] = [
    "Group",
    "Holdings",
    "International",
    "Works",
    "Trading",
    "Industries",
    "Solutions",
    "Services",
    "Union",
    "Alliance",
    "Global",
    "United",
];

/// Turns free text into an id: lowercase ASCII letters and digits, other runs
/// of characters become one `-`, no leading or trailing `-`, at most 64
/// characters.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.len() > 64 {
        out.truncate(64);
        while out.ends_with('-') {
            out.pop();
        }
    }
    out
}

/// Hands out company names with ids unique within one book.
#[derive(Default)]
pub struct NameMaker {
    taken: HashSet<String>,
}

impl NameMaker {
    /// A maker with no id taken yet.
    pub fn new() -> NameMaker {
        NameMaker::default()
    }

    /// A new company of `region` and `industry`: its display name and its id.
    pub fn company(&mut self, rng: &mut Rng, region: &str, industry: &str) -> (String, String) {
        let base = format!("{} {}", rng.pick(brands(region)), rng.pick(nouns(industry)));
        let mut candidates = vec![base.clone()];
        for _ in 0..3 {
            candidates.push(format!("{base} {}", rng.pick(&QUALIFIERS)));
        }
        for _ in 0..2 {
            candidates.push(format!("{base} {}", rng.pick(cities(region))));
        }
        let mut chosen = None;
        for candidate in candidates {
            if self.taken.insert(slug(&candidate)) {
                chosen = Some(candidate);
                break;
            }
        }
        let stem = match chosen {
            Some(stem) => stem,
            None => {
                let mut number = 2;
                loop {
                    let candidate = format!("{base} {number}");
                    if self.taken.insert(slug(&candidate)) {
                        break candidate;
                    }
                    number += 1;
                }
            }
        };
        let id = slug(&stem);
        let name = if rng.chance(0.4) {
            format!("{stem} {}", rng.pick(legal_forms(region)))
        } else {
            stem
        };
        (name, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(slug("Zhongshan Steel"), "zhongshan-steel");
        assert_eq!(slug("Sol y Mar Foods S.A."), "sol-y-mar-foods-s-a");
        assert_eq!(slug("  --Acme  Labs!! "), "acme-labs");
        assert_eq!(slug(&"x".repeat(80)).len(), 64);
    }

    #[test]
    fn ids_stay_unique_and_valid_over_many_draws() {
        let mut rng = Rng::new(3);
        let mut maker = NameMaker::new();
        let mut seen = HashSet::new();
        for i in 0..20_000 {
            let region = REGIONS[i % REGIONS.len()];
            let industry = INDUSTRIES[i % INDUSTRIES.len()];
            let (name, id) = maker.company(&mut rng, region, industry);
            assert!(!name.is_empty());
            assert!((2..=64).contains(&id.len()), "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            assert!(seen.insert(id));
        }
    }
}
