namespace Shangding.Core.Catalog;

public enum SubjectKind
{
    Person,
    Organisation,
}
