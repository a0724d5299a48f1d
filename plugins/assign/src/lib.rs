//! `kehu assign`: customers to account managers by region, industry and
//! tier, within capacity, keeping existing relationships and balancing
//! weighted load: exactly where the search is feasible, else greedy + local
//! search with bounds from a flow relaxation (see `solve`).

mod args;
mod bound;
mod changes;
mod exact;
mod greedy;
mod plan;
mod problem;
mod render;
mod review;
mod solve;
#[cfg(test)]
mod tests;

use kehu_plugin_sdk::{Choice, Context, Output, Plugin, PluginError};

use crate::args::Format;
use crate::plan::Plan;
use crate::problem::Problem;

/// The plugin.
#[derive(Default)]
pub struct Assign;

impl Plugin for Assign {
    fn run(&self, ctx: &mut Context<'_>, args: &[String]) -> Result<Output, PluginError> {
        let args = args::parse(args)?;
        if args.help {
            return Ok(Output::text(args::help()));
        }
        let format = Format::or_global(args.format, ctx.format())?;
        let config = ctx.config()?;
        if args.review {
            return review::run(ctx, &config, args.since, format);
        }
        let as_of = ctx.as_of();
        let book = ctx.book()?;
        let problem = Problem::build(&config, &book.customers, as_of)?;
        let solution = solve_deep(&problem, args.rebalance)?;
        let plan = Plan::new(&problem, &solution, args.rebalance);
        let mut out =
            Output::text(render::render(&plan, format, as_of).map_err(PluginError::Failed)?).pure();
        let unassigned = plan.unassigned().count();
        if unassigned > 0 {
            out = out.with_exit_code(1).with_note(format!(
                "assign: {unassigned} customer(s) cannot be assigned (listed with the reason)"
            ));
        }
        if let Some(mode) = args.mode {
            match changes::reassign(&plan) {
                Some(changeset) => out = out.with_changeset(changeset, mode),
                None => out = out.with_note("assign: nothing to reassign"),
            }
        }
        Ok(out)
    }
}

/// Runs the solvers on a thread whose stack fits one frame of the recursive
/// exact search per customer it may search.
fn solve_deep(problem: &Problem, rebalance: bool) -> Result<solve::Solution, PluginError> {
    let stack = (1 << 20) + problem.items.len().min(solve::EXACT_ITEMS) * 1024;
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(stack)
            .spawn_scoped(scope, || solve::solve(problem, rebalance))
            .map_err(|e| PluginError::Failed(format!("starting the solver thread: {e}")))?
            .join()
            .map_err(|_| PluginError::Failed("the solver panicked".into()))
    })
}

kehu_plugin_sdk::export_plugin!(
    Assign,
    name = "assign",
    version = env!("CARGO_PKG_VERSION"),
    about = "Assign customers to account managers within capacity, keeping relationships, balancing load"
);
