// Backline's GraphiQL: a saved example query, and the header editor open for a token.
const EXAMPLE = `# The public directory. To act as someone, sign in with the \`login\`
# mutation and paste its token in Headers below:
#   { "Authorization": "Bearer bls_..." }
query Directory {
  listings(first: 5) {
    edges {
      node { title category city state performer { name } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: EXAMPLE,
    defaultHeaders: "{}",
    headerEditorEnabled: true,
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: "headers",
  }),
);
